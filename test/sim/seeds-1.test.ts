// Seeds 1-400 of the simulation suite (see shard.ts).
import { describeSeedShard } from './shard';

describeSeedShard(1);
