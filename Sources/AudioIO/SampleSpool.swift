#if canImport(Glibc)
import Glibc
#endif

/// Mono float samples kept in an unnamed temporary file (4 bytes a sample, on disk, not
/// in memory), for what must see a whole prompt before it gives its first sample: the
/// file is unlinked as soon as it is created, so nothing is left behind however the
/// process ends. Written front to back, then read back front to back, as often as asked.
public final class SampleSpool {
    private let fd: Int32
    private var pending: [Float] = []
    /// Samples written.
    public private(set) var count = 0
    /// Samples handed back since the last ``rewind()``.
    private var position = 0

    /// Creates the file in `$TMPDIR` (or /tmp).
    public init() throws {
        let file = unnamedTemporaryFile()
        guard file.fd >= 0 else { throw AudioIOError(.writeFailed, file.folder, "cannot create a spool file: \(file.failure)") }
        fd = file.fd
    }

    deinit { close(fd) }

    /// Appends samples.
    public func write(_ samples: UnsafeBufferPointer<Float>) throws {
        pending.append(contentsOf: samples)
        count += samples.count
        if pending.count >= 1 << 16 { try flush() }
    }

    /// Forgets every sample: the next write starts the file again.
    public func clear() throws {
        pending.removeAll(keepingCapacity: true)
        count = 0
        position = 0
        guard ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else {
            throw AudioIOError(.writeFailed, "spool file", "cannot empty it: \(String(cString: strerror(errno)))")
        }
    }

    private func flush() throws {
        try pending.withUnsafeBytes { b in
            if let failure = writeAll(fd, b) { throw AudioIOError(.writeFailed, "spool file", "write failed: \(failure)") }
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Ends writing and goes back to the first sample for ``read(_:into:)``.
    public func rewind() throws {
        try flush()
        position = 0
        guard lseek(fd, 0, SEEK_SET) == 0 else { throw AudioIOError(.unreadable, "spool file", "cannot rewind") }
    }

    /// Appends the next `wanted` samples (fewer at the end) to `output`; returns how many.
    @discardableResult
    public func read(_ wanted: Int, into output: inout [Float]) throws -> Int {
        let n = min(wanted, count - position)
        guard n > 0 else { return 0 }
        let start = output.count
        output.append(contentsOf: repeatElement(0, count: n))
        try output.withUnsafeMutableBytes { b in
            let base = b.baseAddress! + start * 4
            var off = 0
            while off < n * 4 {
                let got = Glibc.read(fd, base + off, n * 4 - off)
                if got < 0 && errno == EINTR { continue }
                guard got > 0 else { throw AudioIOError(.unreadable, "spool file", "read failed") }
                off += got
            }
        }
        position += n
        return n
    }

    /// Hands every sample back, in blocks of at most `blockFrames`.
    public func replay(blockFrames: Int, _ body: (UnsafeBufferPointer<Float>) throws -> Void) throws {
        try rewind()
        var block: [Float] = []
        block.reserveCapacity(blockFrames)
        while true {
            block.removeAll(keepingCapacity: true)
            guard try read(blockFrames, into: &block) > 0 else { break }
            try block.withUnsafeBufferPointer { try body($0) }
        }
    }
}

/// A new file in `$TMPDIR` (or /tmp), unlinked as soon as it is created, so it disappears
/// with its last descriptor however the process ends. `fd` is -1 on a failure, with the
/// folder and the reason.
func unnamedTemporaryFile() -> (fd: Int32, folder: String, failure: String) {
    let dir = getenv("TMPDIR").map { String(cString: $0) }.flatMap { $0.isEmpty ? nil : $0 } ?? "/tmp"
    var template = Array("\(dir)/.promptc-spool-XXXXXX".utf8CString)
    let d = template.withUnsafeMutableBufferPointer { mkstemp($0.baseAddress!) }
    guard d >= 0 else { return (-1, dir, String(cString: strerror(errno))) }
    template.withUnsafeBufferPointer { _ = unlink($0.baseAddress!) }
    return (d, dir, "")
}

/// Writes every byte, resuming after interruptions; nil when done, else the reason.
func writeAll(_ fd: Int32, _ bytes: UnsafeRawBufferPointer) -> String? {
    var off = 0
    while off < bytes.count {
        let n = Glibc.write(fd, bytes.baseAddress! + off, bytes.count - off)
        if n < 0 && errno == EINTR { continue }
        guard n > 0 else { return String(cString: strerror(errno)) }
        off += n
    }
    return nil
}
