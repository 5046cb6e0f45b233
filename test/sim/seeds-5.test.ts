// Seeds 1601-2000 of the simulation suite (see shard.ts).
import { describeSeedShard } from './shard';

describeSeedShard(5);
