/** Boilerplate: compose scanner, client and worker from options. */
export { startActivityWorker, type StartActivityWorkerOptions } from './start-activity-worker.js';
