// Seeds 501-1000 of the simulation suite (see shard.ts).
import { describeSeedShard } from './shard';

describeSeedShard(2);
