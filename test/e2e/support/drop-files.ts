// Drops files on the dashboard's window the way a person does: a real DragEvent sequence carrying
// a real DataTransfer of Files, each `size` repeats of its `fill` character.
import type { Page } from 'playwright-core';

export interface DroppedFile {
  readonly name: string;
  readonly size: number;
  readonly fill: string;
}

export async function dropFiles(page: Page, files: readonly DroppedFile[]): Promise<void> {
  await page.evaluate((specs) => {
    const transfer = new DataTransfer();
    for (const spec of specs) transfer.items.add(new File([spec.fill.repeat(spec.size)], spec.name, { type: 'application/octet-stream' }));
    const target = document.querySelector('main') ?? document.body;
    for (const type of ['dragenter', 'dragover', 'drop']) {
      target.dispatchEvent(new DragEvent(type, { dataTransfer: transfer, bubbles: true, cancelable: true }));
    }
  }, files);
}
