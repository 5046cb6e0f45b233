// Seeds 2001-2500 of the simulation suite (see shard.ts).
import { describeSeedShard } from './shard';

describeSeedShard(5);
