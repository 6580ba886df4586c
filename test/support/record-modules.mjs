// Preloaded with --import into a child process: records the URL of every module it resolves (ESM imports,
// dynamic imports and require calls alike, through the in-thread module hooks) and writes the list to
// $SAIMA_TEST_MODULES_FILE when the process exits, so a test can tell whether a module was ever loaded.
import { writeFileSync } from 'node:fs';
import { registerHooks } from 'node:module';

const seen = new Set();
registerHooks({
  resolve(specifier, context, nextResolve) {
    const resolved = nextResolve(specifier, context);
    seen.add(resolved.url);
    return resolved;
  },
});
process.on('exit', () => {
  if (process.env.SAIMA_TEST_MODULES_FILE) writeFileSync(process.env.SAIMA_TEST_MODULES_FILE, [...seen].join('\n'));
});
