// dfsctl's command line (commander, like dfs-node): global flags, then one action per command.
// Building the program is separate from running it so tests can parse without a process.
import { readFileSync } from 'node:fs';
import { Command, InvalidArgumentError, Option } from 'commander';
import * as backup from './commands/backup';
import * as cluster from './commands/cluster';
import * as config from './commands/config';
import * as files from './commands/files';
import * as locks from './commands/locks';
import { scrub } from './commands/scrub';
import type { Ctl } from './context';
import { CtlError, EXIT } from './exit-codes';
import { ClusterClient, endpointUrl } from './http-client';
import { Output, type OutputFormat } from './output';

interface GlobalFlags {
  endpoints: string;
  token?: string;
  cacert?: string;
  secretFile?: string;
  output: OutputFormat;
}

function positiveInt(text: string): number {
  const n = Number(text);
  if (!Number.isInteger(n) || n < 1) throw new InvalidArgumentError(`expected a positive integer, got "${text}"`);
  return n;
}

function readSmallFile(file: string, what: string): string {
  try {
    return readFileSync(file, 'utf8');
  } catch (err) {
    throw new CtlError(EXIT.usage, `cannot read ${what} ${file}: ${(err as Error).message}`);
  }
}

function contextFrom(flags: GlobalFlags, env: NodeJS.ProcessEnv): Ctl {
  const ca = flags.cacert ? readSmallFile(flags.cacert, 'the CA certificate') : undefined;
  const endpoints = flags.endpoints.split(',').filter((e) => e.trim() !== '').map((e) => endpointUrl(e, ca !== undefined));
  const secret = flags.secretFile ? readSmallFile(flags.secretFile, 'the cluster secret').trim() : env.DFS_CLUSTER_SECRET;
  return {
    client: new ClusterClient({ endpoints, token: flags.token ?? env.DFS_API_TOKEN, ca }),
    out: new Output(flags.output),
    secret: secret || undefined,
  };
}

export function buildProgram(env: NodeJS.ProcessEnv): Command {
  const program = new Command('dfsctl')
    .description("The DFS operator's client: cluster status and membership, files, locks, settings and scrubs.")
    .option('--endpoints <list>', 'nodes to talk to, comma-separated host:port or URLs; any one will do (env DFS_ENDPOINTS)', env.DFS_ENDPOINTS ?? '127.0.0.1:8081')
    .option('--token <token>', 'client API token (env DFS_API_TOKEN)')
    .option('--cacert <file>', 'CA certificate (PEM) the nodes\' TLS certificates chain to; host:port endpoints then mean https')
    .option('--secret-file <file>', 'file holding the cluster secret, for member add|remove|promote (env DFS_CLUSTER_SECRET)')
    .addOption(new Option('-o, --output <format>', 'json for scripts, table for people').choices(['json', 'table']).default('table'))
    .addHelpText('after', '\nExit codes: 0 ok, 1 the cluster refused or failed, 2 usage, 3 no endpoint reachable, 4 not found,\n5 conflict (locked, wrong lock token, member exists), 6 unauthorized, 7 integrity (hash mismatch, corrupt chunks).')
    .exitOverride()
    .showHelpAfterError();
  const ctl = () => contextFrom(program.opts<GlobalFlags>(), env);

  program.command('status').description('every member: role, term, commit, lag, health (exit 1 unless all are healthy)').action(() => cluster.status(ctl()));
  const member = program.command('member').description('cluster membership');
  member.command('list').description('members, voters and learners, with replication progress').action(() => cluster.memberList(ctl()));
  member
    .command('add <id> <peerAddress>')
    .description('add a node (started with --join) as a learner; it becomes a voter once caught up')
    .option('--http-url <url>', "the new node's API URL, where followers forward writes")
    .action((id: string, peerAddress: string, o: { httpUrl?: string }) => cluster.memberAdd(ctl(), positiveInt(id), peerAddress, o.httpUrl ?? null));
  member.command('promote <id>').description('make a caught-up learner a voter').action((id: string) => cluster.memberPromote(ctl(), positiveInt(id)));
  member.command('remove <id>').description('remove a member').action((id: string) => cluster.memberRemove(ctl(), positiveInt(id)));

  program.command('put <local> [name]').description('upload a local file (name defaults to its base name)').action((local: string, name?: string) => files.put(ctl(), local, name));
  program.command('get <name> [local]').description('download a file, checked against its SHA-256 ("-" writes to stdout)').action((name: string, local?: string) => files.get(ctl(), name, local));
  program.command('ls [prefix]').description('list files').action((prefix?: string) => files.ls(ctl(), prefix));
  program.command('rm <name>').description('delete a file').action((name: string) => files.remove(ctl(), name));
  program.command('info <name>').description("a file's size, SHA-256, versions, lock and replicas").action((name: string) => files.info(ctl(), name));

  const lock = program.command('lock').description('lease locks on file names');
  lock.command('acquire <name>').option('--owner <owner>', 'who holds it', 'dfsctl').option('--ttl <ms>', 'lease in ms (default: the cluster setting)', positiveInt)
    .action((name: string, o: { owner: string; ttl?: number }) => locks.lockAcquire(ctl(), name, o.owner, o.ttl));
  lock.command('renew <name> <token>').option('--ttl <ms>', 'new lease in ms', positiveInt).action((name: string, token: string, o: { ttl?: number }) => locks.lockRenew(ctl(), name, token, o.ttl));
  lock.command('release <name> <token>').action((name: string, token: string) => locks.lockRelease(ctl(), name, token));
  lock.command('list').action(() => locks.lockList(ctl()));

  const settings = program.command('config').description('cluster and node settings');
  settings.command('get [keys...]').description('settings with value, scope and source').action((keys: string[]) => config.configGet(ctl(), keys));
  settings.command('set <assignments...>').description('KEY=VALUE…, all applied or none (sizes and durations in units: storageQuota="20 GiB")').action((a: string[]) => config.configSet(ctl(), a));

  const archive = program.command('backup').description('consistent backups: the metadata at a committed index and every content it references');
  archive.command('save <file>').description('stream a backup from a healthy node into FILE, verified before it is kept').action((file: string) => backup.backupSave(ctl(), file));
  archive.command('verify <file>').description('check a saved backup: every content\'s SHA-256 and the archive\'s').action((file: string) => backup.backupVerify(ctl(), file));

  program.command('scrub').description('re-hash every chunk on every member, repairing from peers, with progress').action(() => scrub(ctl()));
  for (const sub of [program, member, lock, settings, archive]) sub.exitOverride().configureOutput({ writeErr: (s) => process.stderr.write(s) });
  return program;
}
