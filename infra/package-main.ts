// Entry point of `npm run package`.
import { main } from './package.js';

process.exitCode = await main(process.argv.slice(2));
