// Worker thread of sqlite-checkpointer.ts: its own connection to the database file, copying
// WAL frames back into the database at an interval. Plain JavaScript: nothing to transpile,
// so it needs no loader whoever starts it.
import { parentPort, workerData } from 'node:worker_threads';
import Database from 'better-sqlite3';

const db = new Database(workerData.file, { fileMustExist: true });
db.pragma('busy_timeout = 1000');

function checkpoint() {
  try {
    // PASSIVE: copies what no reader still needs, never waits for or blocks the writer.
    db.pragma('wal_checkpoint(PASSIVE)');
  } catch (err) {
    parentPort.postMessage({ type: 'error', message: String(err?.message ?? err) });
  }
}

const timer = setInterval(checkpoint, workerData.intervalMs);
parentPort.on('message', (message) => {
  if (message !== 'close') return;
  clearInterval(timer);
  checkpoint();
  db.close();
  parentPort.close();
});
