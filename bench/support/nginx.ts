// nginx as the upload/download peer: a generated config in a temp directory (every temp path
// inside it, `daemon off`, one worker), serving a temp directory for GET and accepting WebDAV PUT.
import type { ChildProcess } from 'node:child_process';
import { spawnSync } from 'node:child_process';
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { freePort, startProcess, stopProcess, waitUntil, which } from './processes';

export interface Nginx {
  readonly url: string;
  readonly version: string;
  /** The master's pid (its worker is a child). */
  readonly pid: number;
  stop(): Promise<void>;
}

/** A running nginx, or the reason there is none (binary missing, no dav module, failed start). */
export async function startNginx(): Promise<Nginx | { reason: string }> {
  const binary = which('nginx');
  if (!binary) return { reason: 'nginx is not installed (apt-get install -y nginx)' };
  const info = spawnSync(binary, ['-V'], { encoding: 'utf8' });
  const details = `${info.stdout}${info.stderr}`;
  if (!details.includes('http_dav_module')) return { reason: 'this nginx build has no http_dav_module, so it cannot accept PUT' };
  const version = /nginx version: (\S+)/.exec(details)?.[1] ?? 'nginx';
  const dir = await mkdtemp(path.join(os.tmpdir(), 'bench-nginx-'));
  const port = await freePort();
  await mkdir(path.join(dir, 'www'));
  const conf = `daemon off;
worker_processes 1;
user root;
pid ${dir}/nginx.pid;
error_log ${dir}/error.log warn;
events { worker_connections 1024; }
http {
  access_log off;
  sendfile on;
  client_body_temp_path ${dir}/client_body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  default_type application/octet-stream;
  server {
    listen 127.0.0.1:${port};
    root ${dir}/www;
    client_max_body_size 0;
    location / {
      dav_methods PUT DELETE;
      create_full_put_path on;
      dav_access user:rw;
    }
  }
}
`;
  await writeFile(path.join(dir, 'nginx.conf'), conf);
  let child: ChildProcess | undefined;
  const url = `http://127.0.0.1:${port}`;
  const stop = async (): Promise<void> => {
    if (child) await stopProcess(child);
    await rm(dir, { recursive: true, force: true });
  };
  try {
    child = startProcess(binary, ['-e', path.join(dir, 'error.log'), '-c', path.join(dir, 'nginx.conf'), '-p', dir], path.join(dir, 'stdout.log'));
    await waitUntil('nginx to answer', async () => (await fetch(`${url}/`)).status < 500, 10_000, child);
  } catch (err) {
    await stop();
    return { reason: `nginx did not start: ${(err as Error).message}` };
  }
  return { url, version, pid: child.pid ?? -1, stop };
}
