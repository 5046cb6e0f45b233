// GET /backup: streams a backup archive (backup/archive-format.ts) of this node's committed state.
// A failure mid-stream cuts the response off: the archive then has no end frame, which every
// reader refuses, so a broken backup can never pass for a whole one.
import type { Router } from 'express';
import express from 'express';
import type { NodeServices } from '../../ports';

export function backupRoutes(services: NodeServices): Router {
  const router = express.Router();
  router.get('/backup', async (_req, res) => {
    const { manifest, stream } = await services.backup();
    res.status(200).set({
      'content-type': 'application/octet-stream',
      'content-disposition': `attachment; filename="dfs-backup-${manifest.index}.dfsbak"`,
      'x-dfs-backup-index': String(manifest.index),
      'cache-control': 'no-store',
    });
    stream.once('error', () => res.destroy());
    res.once('close', () => stream.destroy());
    stream.pipe(res);
  });
  return router;
}
