// Entry point of `npm run deploy`.
import { main } from './deploy.js';

process.exitCode = await main(process.argv.slice(2));
