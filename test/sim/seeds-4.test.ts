// Seeds 1201-1600 of the simulation suite (see shard.ts).
import { describeSeedShard } from './shard';

describeSeedShard(4);
