// workerpool's threads run a script that registers its methods: the same tasks as tasks.mjs.
import workerpool from 'workerpool';
import { cpu, tiny } from './tasks.mjs';

workerpool.worker({ tiny, cpu });
