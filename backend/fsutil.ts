// Files that must never be seen half-written: temp file, fsync, rename, fixed mode.
import fs from "node:fs";
import path from "node:path";

export function writeFileAtomic(file: string, content: string | Buffer, mode = 0o600): void {
    fs.mkdirSync(path.dirname(file), { recursive: true, mode: 0o700 });
    const temp = `${file}.tmp-${process.pid}-${Date.now()}`;
    const fd = fs.openSync(temp, "w", mode);
    try {
        fs.writeSync(fd, typeof content === "string" ? Buffer.from(content) : content);
        fs.fchmodSync(fd, mode);
        fs.fsyncSync(fd);
    } finally {
        fs.closeSync(fd);
    }
    fs.renameSync(temp, file);
    syncDirectory(path.dirname(file));
}

/** Makes a rename in `dir` durable. */
export function syncDirectory(dir: string): void {
    const fd = fs.openSync(dir, "r");
    try {
        fs.fsyncSync(fd);
    } finally {
        fs.closeSync(fd);
    }
}
