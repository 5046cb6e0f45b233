// The child_process launcher against the Launcher contract the supervisor relies on.
import { childProcessLauncher } from '../../electron/manager/child-process-launcher';
import { describeLauncherContract } from '../fixtures/manager/launcher-contract';

describeLauncherContract('child_process', childProcessLauncher);
