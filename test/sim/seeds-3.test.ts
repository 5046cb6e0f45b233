// Seeds 801-1200 of the simulation suite (see shard.ts).
import { describeSeedShard } from './shard';

describeSeedShard(3);
