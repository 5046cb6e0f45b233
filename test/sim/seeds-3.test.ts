// Seeds 1001-1500 of the simulation suite (see shard.ts).
import { describeSeedShard } from './shard';

describeSeedShard(3);
