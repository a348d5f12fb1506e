// Loaded into every test process (test/run.mjs) in place of node's --test-force-exit, which can exit a
// file's process before its last results reach the runner: those tests then vanish from the counts,
// failures included, while the run still passes (nodejs/node#64833). Here a file whose tests are done
// exits on its own when nothing is left to run; one that leaked a handle (a server, a timer) is ended
// two seconds later, after its results have been written.
import { after } from 'node:test';

after(() => {
  setTimeout(() => process.exit(), 2000).unref();
});
