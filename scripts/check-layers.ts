// The import rules of .dependency-cruiser.mjs over src/ (run by `npm run lint`): silent when they
// hold, every violation listed when not. The depcruise command always prints a line, even on success.
import { cruise } from 'dependency-cruiser';
import extractDepcruiseOptions from 'dependency-cruiser/config-utl/extract-depcruise-options';
import extractTSConfig from 'dependency-cruiser/config-utl/extract-ts-config';

const options = await extractDepcruiseOptions('./.dependency-cruiser.mjs');
const tsConfig = await extractTSConfig('./tsconfig.json');
const result = await cruise(['src'], { ...options, outputType: 'err' }, {}, { tsConfig });
if (result.exitCode !== 0) {
  process.stderr.write(typeof result.output === 'string' ? result.output : JSON.stringify(result.output));
  process.exitCode = 1;
}
