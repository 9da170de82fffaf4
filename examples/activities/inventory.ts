import { Activity, activity } from 'flowy-swf';

/** Raised when a SKU has no stock left; the worker reports it as the task's failure. */
export class OutOfStockError extends Error {
  override name = 'OutOfStockError';
}

/** Reserves stock; fails for SKUs ending in "-0" (the demo's out-of-stock items). */
@activity('reserve-stock', 2, 'demo-activities', { scheduleToClose: 300, scheduleToStart: 240, startToClose: 60 })
export class ReserveStock extends Activity {
  run(sku: string, quantity: number): { sku: string; reserved: number } {
    if (sku.endsWith('-0')) throw new OutOfStockError(`no stock left for ${sku}`);
    return { sku, reserved: quantity };
  }
}
