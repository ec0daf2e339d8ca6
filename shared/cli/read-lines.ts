// Line-by-line commands from an interactive stream (stdin of `simulate` and `run --simulate`), with a
// cap on line length so a pasted blob cannot grow memory without bound.
import { StringDecoder } from 'node:string_decoder';

/** Longest command line accepted; longer ones are reported and dropped. */
export const MAX_COMMAND_LINE_CHARS = 1024;

/** Calls onLine for each line of the stream, onTooLong for each line over the cap; returns a function that stops reading. */
export function readLines(stream: NodeJS.ReadableStream, onLine: (line: string) => void, onTooLong: () => void): () => void {
  const decoder = new StringDecoder('utf8');
  let partial = '';
  let discarding = false;
  const onData = (chunk: string | Buffer): void => {
    const lines = (partial + (typeof chunk === 'string' ? chunk : decoder.write(chunk))).split(/\r?\n/);
    partial = lines.pop() ?? '';
    for (const line of lines) {
      if (discarding) discarding = false; // the tail of a line already reported as too long
      else onLine(line);
    }
    if (partial.length > MAX_COMMAND_LINE_CHARS) {
      partial = '';
      discarding = true;
      onTooLong();
    }
  };
  stream.on('data', onData);
  return () => {
    stream.removeListener('data', onData);
    // Paused with no listener, process.stdin no longer holds the process open.
    stream.pause();
  };
}

