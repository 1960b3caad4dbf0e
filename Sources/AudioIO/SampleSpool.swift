#if canImport(Glibc)
import Glibc
#endif
import Threads

/// Mono float samples kept for what must see a whole prompt before it gives its first
/// sample, written front to back, then read back front to back as often as asked. The
/// first ``memoryLimit`` samples stay in memory (a prompt of a minute at 8 kHz, with no
/// system call and no copy on the way back); the rest go to an unnamed temporary file (4
/// bytes a sample, on disk), made on the first sample beyond and unlinked as soon as it
/// is created, so nothing is left behind however the process ends. The memory used
/// does not grow with the prompt.
public final class SampleSpool {
    /// Samples kept in memory before the file is used: 2 MB.
    public static let defaultMemoryLimit = 1 << 19
    public let memoryLimit: Int
    private var memory: [Float] = []
    private var fd: Int32 = -1
    /// Samples for the file, not written yet.
    private var pending: [Float] = []
    /// Samples written.
    public private(set) var count = 0
    /// Samples handed back since the last ``rewind()``.
    private var position = 0

    /// A spool that keeps up to `memoryLimit` samples in memory; the file, if needed, is
    /// made in `$TMPDIR` (or /tmp).
    public init(memoryLimit: Int = SampleSpool.defaultMemoryLimit) {
        self.memoryLimit = max(0, memoryLimit)
    }

    deinit {
        if fd >= 0 { close(fd) }
        SampleSpool.giveBack(&memory)
    }

    /// The memory of spools that are gone, for the next ones: fresh memory costs a page
    /// fault every 4 KB, every prompt.
    private static let spare = Locked<[[Float]]>([])
    private static let spareCount = 8

    private static func take() -> [Float] {
        spare.withLock { $0.popLast() } ?? []
    }

    private static func giveBack(_ memory: inout [Float]) {
        guard memory.capacity > 0 else { return }
        memory.removeAll(keepingCapacity: true)
        let kept = memory
        memory = []
        spare.withLock { if $0.count < spareCount { $0.append(kept) } }
    }

    /// Appends samples.
    public func write(_ samples: UnsafeBufferPointer<Float>) throws {
        var rest = samples[...]
        if memory.count < memoryLimit {
            if memory.capacity == 0 { memory = Self.take() }
            let n = min(rest.count, memoryLimit - memory.count)
            memory.append(contentsOf: UnsafeBufferPointer(rebasing: rest.prefix(n)))
            rest = rest.dropFirst(n)
        }
        count += samples.count
        guard !rest.isEmpty else { return }
        pending.append(contentsOf: UnsafeBufferPointer(rebasing: rest))
        if pending.count >= 1 << 16 { try flush() }
    }

    /// Forgets every sample: the next write starts again.
    public func clear() throws {
        memory.removeAll(keepingCapacity: true)
        pending.removeAll(keepingCapacity: true)
        count = 0
        position = 0
        guard fd >= 0 else { return }
        guard ftruncate(fd, 0) == 0, lseek(fd, 0, SEEK_SET) == 0 else {
            throw AudioIOError(.writeFailed, "spool file", "cannot empty it: \(String(cString: strerror(errno)))")
        }
    }

    private func flush() throws {
        guard !pending.isEmpty else { return }
        if fd < 0 {
            let file = unnamedTemporaryFile()
            guard file.fd >= 0 else { throw AudioIOError(.writeFailed, file.folder, "cannot create a spool file: \(file.failure)") }
            fd = file.fd
        }
        try pending.withUnsafeBytes { b in
            if let failure = writeAll(fd, b) { throw AudioIOError(.writeFailed, "spool file", "write failed: \(failure)") }
        }
        pending.removeAll(keepingCapacity: true)
    }

    /// Ends writing and goes back to the first sample for ``read(_:into:)``.
    public func rewind() throws {
        try flush()
        position = 0
        guard fd < 0 || lseek(fd, 0, SEEK_SET) == 0 else { throw AudioIOError(.unreadable, "spool file", "cannot rewind") }
    }

    /// Appends the next `wanted` samples (fewer at the end) to `output`; returns how many.
    @discardableResult
    public func read(_ wanted: Int, into output: inout [Float]) throws -> Int {
        var got = 0
        while got < wanted, position < count {
            let n = try next(wanted - got) { output.append(contentsOf: $0) }
            got += n
        }
        return got
    }

    /// Hands every sample back, in blocks of at most `blockFrames`.
    public func replay(blockFrames: Int, _ body: (UnsafeBufferPointer<Float>) throws -> Void) throws {
        try rewind()
        while position < count { _ = try next(blockFrames, body) }
    }

    /// Hands the next samples, at most `wanted`, to `body`: straight from memory, or
    /// read from the file into a block; returns how many.
    private func next(_ wanted: Int, _ body: (UnsafeBufferPointer<Float>) throws -> Void) throws -> Int {
        if position < memory.count {
            let n = min(wanted, memory.count - position)
            try memory.withUnsafeBufferPointer { try body(UnsafeBufferPointer(rebasing: $0[position..<(position + n)])) }
            position += n
            return n
        }
        let n = min(wanted, count - position)
        guard n > 0 else { return 0 }
        block.removeAll(keepingCapacity: true)
        block.appendZeros(n)
        try block.withUnsafeMutableBytes { b in
            var off = 0
            while off < n * 4 {
                let got = Glibc.read(fd, b.baseAddress! + off, n * 4 - off)
                if got < 0 && errno == EINTR { continue }
                guard got > 0 else { throw AudioIOError(.unreadable, "spool file", "read failed") }
                off += got
            }
        }
        position += n
        try block.withUnsafeBufferPointer { try body($0) }
        return n
    }

    /// Samples read from the file, on their way to the caller.
    private var block: [Float] = []
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
