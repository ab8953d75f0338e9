let singleBinary: boolean | undefined;

/**
 * Whether this process is oco's single binary (a Node single-executable application built by
 * scripts/build-binary.js). Its own files live in a virtual file system: it cannot run
 * dist/daemon/main.js with node, nor start worker threads from those files. Asked once.
 */
export function isSingleBinary(): boolean {
  if (singleBinary === undefined) {
    try {
      singleBinary = process.getBuiltinModule('node:sea').isSea();
    } catch {
      singleBinary = false;
    }
  }
  return singleBinary;
}
