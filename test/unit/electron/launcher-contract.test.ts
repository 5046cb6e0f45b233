// The Launcher contract against the launcher that runs under plain Node (web mode, tests).
import { childProcessLauncher } from '../../../electron/manager/supervision/child-process-launcher';
import { describeLauncherContract } from './launcher-contract';

describeLauncherContract('child_process', childProcessLauncher);
