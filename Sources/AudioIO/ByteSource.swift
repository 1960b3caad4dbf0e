#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Bytes of an input file or pipe behind the read/seek/tell calls that the C decoders'
/// virtual I/O needs. Pipes (standard input) are not seekable; for them the first
/// `headLimit` bytes are kept so a decoder can probe a header and seek back inside it;
/// seeks past what has arrived are refused. Memory stays bounded by `headLimit`.
public final class ByteSource {
    public let path: String
    public let isSeekable: Bool
    /// Size in bytes when known (regular files).
    public let size: Int64?
    private let fd: Int32
    private let ownsDescriptor: Bool
    // Non-seekable state: retained head and position.
    private var head: [UInt8] = []
    private let headLimit = 1 << 20
    private var position: Int64 = 0
    private var streamPosition: Int64 = 0   // bytes consumed from the pipe
    // Seekable state: a read buffer, because decoders ask for a few hundred bytes at a
    // time (libmpg123: a frame header, then the frame) and a system call each costs more.
    private var buffer: [UInt8] = []
    private var bufferOffset: Int64 = 0     // file offset of buffer[0]
    private var bufferUsed = 0              // bytes of the buffer already handed out
    private static let bufferSize = 1 << 16

    /// A seekable copy of this input, for decoders that must seek anywhere: everything
    /// from the start (the retained head, then the rest of the pipe) goes to a temporary
    /// file that is unlinked as soon as it is created, so it disappears with the process
    /// however it ends. Memory stays one buffer; the disk holds the file's size.
    public func spooled() throws -> ByteSource {
        if isSeekable { return self }
        let file = unnamedTemporaryFile(), d = file.fd
        guard d >= 0 else { throw AudioIOError(.unreadable, path, "cannot spool it to \(file.folder): \(file.failure)") }
        guard seek(0, whence: SEEK_SET) == 0 else {
            close(d)
            throw AudioIOError(.unreadable, path, "cannot spool it: the start of the stream is gone")
        }
        do {
            try forEachChunk { chunk in
                if let failure = writeAll(d, chunk) { throw AudioIOError(.unreadable, path, "cannot spool it: \(failure)") }
            }
        } catch {
            close(d)
            throw error
        }
        lseek(d, 0, SEEK_SET)
        return try ByteSource(descriptor: d, path: path)
    }

    /// Takes over an open, seekable descriptor (a spool file).
    init(descriptor: Int32, path: String) throws {
        self.path = path
        fd = descriptor
        ownsDescriptor = true
        var st = stat()
        fstat(fd, &st)
        isSeekable = true
        size = Int64(st.st_size)
        bufferOffset = 0
    }

    /// Opens the very file this source reads again, with a position of its own (decoder
    /// threads each need one): through /proc/self/fd, so a file renamed, replaced or
    /// deleted meanwhile is still the one read, never whatever the path names now. Nil
    /// for pipes.
    public var reopener: Reopener? {
        isSeekable ? Reopener(descriptorPath: "/proc/self/fd/\(fd)", path: path) : nil
    }

    /// The same file with a position and buffer of its own (a demuxer reads its index
    /// and its data at once); for seekable sources only.
    public func reopened() throws -> ByteSource {
        guard let reopener else { throw AudioIOError(.unreadable, path, "cannot be read from a pipe") }
        return try reopener.open()
    }

    /// See ``reopener``; valid while its source is open.
    public struct Reopener: Sendable {
        let descriptorPath: String
        let path: String
        public func open() throws -> ByteSource { try ByteSource(path: descriptorPath, label: path) }
    }

    /// Opens a path ("-" is standard input). Errors name the file and the reason.
    public convenience init(path: String) throws { try self.init(path: path, label: path) }

    /// Opens `path`; messages name `label`.
    init(path: String, label: String) throws {
        self.path = label
        if path == "-" {
            fd = 0
            ownsDescriptor = false
        } else {
            var st = stat()
            if stat(path, &st) != 0 {
                let e = errno
                throw AudioIOError(e == ENOENT ? .notFound : .unreadable, label, e == ENOENT ? "no such file" : String(cString: strerror(e)))
            }
            if (st.st_mode & S_IFMT) == S_IFDIR { throw AudioIOError(.isDirectory, label, "is a directory, not an audio file") }
            let d = open(path, O_RDONLY | O_CLOEXEC)
            if d < 0 { throw AudioIOError(.unreadable, label, "cannot open: \(String(cString: strerror(errno)))") }
            fd = d
            ownsDescriptor = true
        }
        var st = stat()
        fstat(fd, &st)
        let regular = (st.st_mode & S_IFMT) == S_IFREG
        let start = lseek(fd, 0, SEEK_CUR)
        isSeekable = regular && start >= 0
        size = regular ? Int64(st.st_size) : nil
        bufferOffset = isSeekable ? Int64(start) : 0
    }

    deinit { if ownsDescriptor { close(fd) } }

    /// Reads up to `count` bytes; returns the number read (0 at the end, -1 on error).
    public func read(_ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        guard count > 0 else { return 0 }
        if isSeekable { return readBuffered(buffer, count) }
        if position < streamPosition {
            // Replaying the retained head (seek() only allows positions inside it).
            let n = min(count, head.count - Int(position))
            guard n > 0 else { return -1 }
            head.withUnsafeBytes { h in buffer.copyMemory(from: h.baseAddress! + Int(position), byteCount: n) }
            position += Int64(n)
            return n
        }
        let r = readFD(buffer, count)
        if r > 0 {
            if head.count < headLimit && Int64(head.count) == streamPosition {
                head.append(contentsOf: UnsafeRawBufferPointer(start: buffer, count: min(r, headLimit - head.count)))
            }
            streamPosition += Int64(r)
            position = streamPosition
        }
        return r
    }

    /// Fills `count` bytes unless the file ends first: from the buffer, then large reads
    /// straight into the target, small ones through a refilled buffer.
    private func readBuffered(_ target: UnsafeMutableRawPointer, _ count: Int) -> Int {
        var done = 0
        while done < count {
            if bufferUsed == buffer.count {
                bufferOffset += Int64(buffer.count)
                buffer.removeAll(keepingCapacity: true)
                bufferUsed = 0
                if count - done >= ByteSource.bufferSize {
                    let r = readFD(target + done, count - done)
                    if r < 0 { return done > 0 ? done : -1 }
                    if r == 0 { break }
                    bufferOffset += Int64(r)
                    done += r
                    continue
                }
                buffer = [UInt8](unsafeUninitializedCapacity: ByteSource.bufferSize) { b, n in
                    n = max(0, readFD(b.baseAddress!, ByteSource.bufferSize))
                }
                if buffer.isEmpty { return lastReadFailed && done == 0 ? -1 : done }
            }
            let n = min(count - done, buffer.count - bufferUsed)
            buffer.withUnsafeBytes { (target + done).copyMemory(from: $0.baseAddress! + bufferUsed, byteCount: n) }
            bufferUsed += n
            done += n
        }
        return done
    }

    private var lastReadFailed = false
    /// The errno of the first failed read, if any. Decoders see a failed read as the end
    /// of their input; sources check this when they reach it, so a read error is an error
    /// (``throwIfReadFailed()``), never a short but "complete" output.
    public private(set) var readError: Int32?
    /// For tests: reads fail with this errno once this many bytes have been read.
    var injectedFailure: (afterBytes: Int64, errno: Int32)?
    private var bytesRead: Int64 = 0

    private func readFD(_ buffer: UnsafeMutableRawPointer, _ count: Int) -> Int {
        var r: Int
        if let f = injectedFailure, bytesRead + Int64(count) > f.afterBytes {
            let allowed = Int(max(0, f.afterBytes - bytesRead))
            if allowed == 0 { errno = f.errno; r = -1 } else { r = Glibc.read(fd, buffer, allowed) }
        } else {
            repeat { r = Glibc.read(fd, buffer, count) } while r < 0 && errno == EINTR
        }
        lastReadFailed = r < 0
        if r < 0 { if readError == nil { readError = errno } } else { bytesRead += Int64(r) }
        return r
    }

    /// Throws the first read error, naming the file.
    public func throwIfReadFailed() throws {
        if let e = readError { throw AudioIOError(.unreadable, path, "read error: \(String(cString: strerror(e)))") }
    }

    /// Seeks like lseek; returns the new offset or -1 when it cannot (a pipe going back
    /// past the retained head, or asking for its end).
    public func seek(_ offset: Int64, whence: Int32) -> Int64 {
        if isSeekable {
            let current = bufferOffset + Int64(bufferUsed)
            let target: Int64
            switch whence {
            case SEEK_SET: target = offset
            case SEEK_CUR: target = current + offset
            default:
                let end = Int64(lseek(fd, off_t(offset), whence))
                if end >= 0 { buffer.removeAll(keepingCapacity: true); bufferUsed = 0; bufferOffset = end }
                return end
            }
            if target < 0 { return -1 }
            if target >= bufferOffset && target <= bufferOffset + Int64(buffer.count) {
                bufferUsed = Int(target - bufferOffset)     // inside the buffer: no system call
                return target
            }
            let r = Int64(lseek(fd, off_t(target), SEEK_SET))
            if r >= 0 { buffer.removeAll(keepingCapacity: true); bufferUsed = 0; bufferOffset = r }
            return r
        }
        let target: Int64
        switch whence {
        case SEEK_SET: target = offset
        case SEEK_CUR: target = position + offset
        default: return -1
        }
        if target < 0 { return -1 }
        // Backwards (or to where the pipe is) only inside the retained head. Forwards past
        // what has arrived: refused. Reading and discarding would swallow the stream
        // (libsndfile "jumps over" a WAV data chunk as if every virtual file were seekable)
        // and could never come back.
        guard target <= streamPosition, target == streamPosition || target <= Int64(head.count) else { return -1 }
        position = target
        return position
    }

    /// Hands the rest of the input to `body` in chunks of up to 64 KiB.
    public func forEachChunk(_ body: (UnsafeRawBufferPointer) throws -> Void) throws {
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read($0.baseAddress!, $0.count) }
            if n < 0 { throw AudioIOError(.unreadable, path, "cannot read: \(String(cString: strerror(errno)))") }
            if n == 0 { return }
            try chunk.withUnsafeBytes { try body(UnsafeRawBufferPointer(rebasing: $0[0..<n])) }
        }
    }

    /// The rest of the input as bytes (for small files: prompts, manifests).
    public func readAll() throws -> [UInt8] {
        var out: [UInt8] = []
        try forEachChunk { out.append(contentsOf: $0) }
        return out
    }

    /// Current offset.
    public func tell() -> Int64 { isSeekable ? bufferOffset + Int64(bufferUsed) : position }

    /// Reads up to `count` bytes from the start without consuming them for later readers
    /// (the offset is put back at 0). Used to recognise the format by content.
    public func peek(_ count: Int) -> [UInt8] {
        (try? peekOrThrow(count)) ?? []
    }

    /// Like ``peek(_:)``, but a read error (EIO, EACCES...) is thrown, not taken for an empty file.
    public func peekOrThrow(_ count: Int) throws -> [UInt8] {
        var bytes = [UInt8](repeating: 0, count: count)
        var got = 0
        while got < count {
            let n = bytes.withUnsafeMutableBytes { read($0.baseAddress! + got, count - got) }
            if n < 0 { throw AudioIOError(.unreadable, path, "cannot read: \(String(cString: strerror(errno)))") }
            if n == 0 { break }
            got += n
        }
        _ = seek(0, whence: SEEK_SET)
        return Array(bytes[0..<got])
    }
}
