// Seeds 2501-3000 of the simulation suite (see shard.ts).
import { describeSeedShard } from './shard';

describeSeedShard(6);
