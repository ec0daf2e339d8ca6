// Entry point of `npm run deploy` and, as `deploy-main.js remove ...`, of `npm run remove`: one bundle
// (scripts/build.mjs builds this file), since both drive osls over the same packaged stage.
import { main as deploy } from './deploy.js';
import { main as remove } from './remove.js';

const argv = process.argv.slice(2);
process.exitCode = argv[0] === 'remove' ? await remove(argv.slice(1)) : await deploy(argv);
