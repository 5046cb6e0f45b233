// Stores a chunk fetched to repair this node's copy. ChunkStore.put keeps a chunk it already
// holds (it only checks the offered bytes), which would leave a corrupt copy in place; a repair
// must write the verified bytes and rename them over whatever is there.
import type { ChunkStore } from '../storage/chunk-store';

export async function replaceChunk(chunks: ChunkStore, hash: string, data: Uint8Array): Promise<void> {
  const writer = await chunks.beginChunk();
  try {
    await writer.write(data);
  } catch (err) {
    await writer.abort();
    throw err;
  }
  await writer.commit(hash);
}
