// Compile-time contract (checked by `tsc -p tsconfig.json`, never run): the utilityProcess
// launcher the app uses is a Launcher, like the child_process one the contract suite exercises.
// `import type` keeps 'electron' out of any runtime.
import type { Launcher } from '../../../electron/manager/supervision/launcher';
import type { utilityProcessLauncher } from '../../../electron/main/utility-process-launcher';
import type { childProcessLauncher } from '../../../electron/manager/supervision/child-process-launcher';

type Assert<T extends true> = T;
type IsLauncher<T> = T extends Launcher ? true : false;

export type UtilityProcessLauncherIsALauncher = Assert<IsLauncher<typeof utilityProcessLauncher>>;
export type ChildProcessLauncherIsALauncher = Assert<IsLauncher<typeof childProcessLauncher>>;
