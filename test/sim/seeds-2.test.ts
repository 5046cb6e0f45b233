// Seeds 401-800 of the simulation suite (see shard.ts).
import { describeSeedShard } from './shard';

describeSeedShard(2);
