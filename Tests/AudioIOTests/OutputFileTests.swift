import Foundation
import Testing
@testable import AudioIO

@Suite("output files and read errors")
struct OutputFileTests {
    func folder() throws -> URL {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("promptc-out-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true)
        return d
    }

    func kind(_ path: String) -> mode_t {
        var st = stat()
        return lstat(path, &st) == 0 ? st.st_mode & S_IFMT : 0
    }

    @Test("a character device or a FIFO is written to as it is, never replaced; a folder is refused")
    func nonRegularTargets() throws {
        let dir = try folder(); defer { try? FileManager.default.removeItem(at: dir) }
        // A device node like /dev/null (major 1, minor 3 in glibc's encoding; root can make one
        // in the test folder, others use /dev/null itself).
        let fake = dir.appendingPathComponent("fakenull").path
        let device = mknod(fake, S_IFCHR | 0o666, dev_t(1 << 8 | 3)) == 0 ? fake : "/dev/null"
        let out = try OutputFile(path: device, overwrite: true)
        try out.write([1, 2, 3])
        try out.commit()
        #expect(kind(device) == S_IFCHR, "\(device) is still a character device")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).allSatisfy { !$0.contains(".promptc-") })

        // A FIFO: the bytes arrive at its reader, and it stays a FIFO.
        let fifo = dir.appendingPathComponent("pipe.alaw").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let received = ReceivedBytes()
        let reader = Thread {
            let fd = open(fifo, O_RDONLY)
            var all = Data(), chunk = [UInt8](repeating: 0, count: 65536)
            while true {
                let n = read(fd, &chunk, chunk.count)
                if n <= 0 { break }
                all.append(contentsOf: chunk[0..<n])
            }
            close(fd)
            received.set(all)
        }
        reader.start()
        let f = try OutputFile(path: fifo, overwrite: false)
        try f.write([UInt8](repeating: 0xD5, count: 100_000))
        try f.commit()
        for _ in 0..<500 where received.get() == nil { Thread.sleep(forTimeInterval: 0.01) }
        #expect(received.get()?.count == 100_000)
        #expect(kind(fifo) == S_IFIFO)

        // A folder is refused, with an error that names it.
        let sub = dir.appendingPathComponent("sub.alaw").path
        try FileManager.default.createDirectory(atPath: sub, withIntermediateDirectories: false)
        #expect(throws: AudioIOError.self) { _ = try OutputFile(path: sub, overwrite: true) }
        #expect(kind(sub) == S_IFDIR)
    }

    @Test("a symbolic link at the output path is replaced by the file; its target is left alone")
    func symlinkIsReplaced() throws {
        let dir = try folder(); defer { try? FileManager.default.removeItem(at: dir) }
        let target = dir.appendingPathComponent("target.alaw").path, link = dir.appendingPathComponent("link.alaw").path
        try Data([9, 9]).write(to: URL(fileURLWithPath: target))
        #expect(symlink(target, link) == 0)
        #expect(throws: AudioIOError.self) { _ = try OutputFile(path: link, overwrite: false) }
        let out = try OutputFile(path: link, overwrite: true)
        try out.write([1, 2, 3])
        try out.commit()
        #expect(kind(link) == S_IFREG)
        #expect(FileManager.default.contents(atPath: link) == Data([1, 2, 3]))
        #expect(FileManager.default.contents(atPath: target) == Data([9, 9]))
    }

    @Test("temporary files stay protected beyond any fixed number of slots")
    func manyTemporaryFiles() throws {
        let dir = try folder(); defer { try? FileManager.default.removeItem(at: dir) }
        var open: [OutputFile] = []
        for i in 0..<1500 { open.append(try OutputFile(path: dir.appendingPathComponent("f\(i).sln").path, overwrite: false)) }
        #expect(TemporaryFiles.registeredCount(prefix: dir.path) == 1500)
        open.forEach { $0.abort() }
        open.removeAll()
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }

    @Test("a read error in the middle of an input is an error, not the end of the file", arguments: [
        "speech/speech-44k-stereo.wav", "sample/welcome.mp3", "verify/16k-as-8k.sln",
    ])
    func readErrorMidStream(input: String) throws {
        let bytes = try ByteSource(path: fixture(input))
        // Past the 64 KiB probe, before the end of the file.
        bytes.injectedFailure = (afterBytes: Int64(bytes.size! * 3 / 4), errno: EIO)
        let ext = AudioDecoder.fileExtension(input)
        guard case let .format(format, match) = AudioDecoder.detect(bytes.peek(65536), fileExtension: ext) else {
            Issue.record("\(input) not recognised"); return
        }
        let source = try format.open(bytes, DecodeRequest(), match)
        #expect {
            _ = try decodeAll(source)
        } throws: { error in
            (error as? AudioIOError)?.kind == .unreadable
        }
    }

    @Test("an output set commits all its files or none: a failed rename rolls back what was already replaced")
    func outputSetRollsBack() throws {
        let dir = try folder(); defer { try? FileManager.default.removeItem(at: dir) }
        let a = dir.appendingPathComponent("p.alaw").path, b = dir.appendingPathComponent("p.ulaw").path
        let c = dir.appendingPathComponent("p.sln").path
        try Data("old".utf8).write(to: URL(fileURLWithPath: a))
        let files = try [a, c, b].map { try OutputFile(path: $0, overwrite: true) }
        for f in files { try f.write([1, 2, 3, 4]) }
        // The last target turns into a non-empty folder before the commit: its rename fails.
        try FileManager.default.createDirectory(atPath: b + "/x", withIntermediateDirectories: true)
        #expect(throws: AudioIOError.self) { try OutputSet(files).commit() }
        #expect(FileManager.default.contents(atPath: a) == Data("old".utf8), "the replaced file is back")
        #expect(!FileManager.default.fileExists(atPath: c), "the new file is gone")
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["p.alaw", "p.ulaw"], "no temporary files")
        // And when every rename works, all appear and nothing else is left.
        try FileManager.default.removeItem(atPath: b)
        let again = try [a, c, b].map { try OutputFile(path: $0, overwrite: true) }
        for f in again { try f.write([5]) }
        try OutputSet(again).commit()
        #expect([a, b, c].allSatisfy { FileManager.default.contents(atPath: $0) == Data([5]) })
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).count == 3)
    }

    @Test("a format that must seek gets a pipe spooled to an unnamed temporary file, the same bytes")
    func spoolForSeekingFormats() throws {
        let path = fixture("speech/speech-44k-stereo.wav")
        let data = try Data(contentsOf: URL(fileURLWithPath: path))
        let readEnd = try feedPipe(data)
        defer { close(readEnd) }
        let bytes = try ByteSource(path: "/dev/fd/\(readEnd)")
        #expect(!bytes.isSeekable)
        let head = bytes.peek(65536)
        let seen = SeenSeekable()
        let format = InputFormat(name: "test format that seeks", extensions: [], needsSeeking: true,
                                 probe: { _, _ in InputFormat.Match(.magic) },
                                 open: { b, _, _ in seen.value = b.isSeekable && b.size == Int64(data.count); return try SndFileSource(bytes: b) })
        guard let match = format.probe(head, "") else { Issue.record("no match"); return }
        let piped = try decodeAll(format.open(bytes, request: DecodeRequest(), match: match))
        #expect(seen.value, "the opener got a seekable source of the whole input")
        #expect(try piped == decodeAll(AudioDecoder.open(path)))
        let tmp = ProcessInfo.processInfo.environment["TMPDIR"] ?? "/tmp"
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp).allSatisfy { !$0.hasPrefix(".promptc-spool") })
    }

    @Test("errors about '-' name standard output when writing, standard input when reading")
    func standardStreamsInMessages() {
        #expect(AudioIOError(.writeFailed, "-", "write failed: Broken pipe").description == "standard output: write failed: Broken pipe")
        #expect(AudioIOError(.exists, "-", "x").description.hasPrefix("standard output: "))
        #expect(AudioIOError(.notAudio, "-", "is not a recognised audio format").description.hasPrefix("standard input: "))
    }

    @Test("a WAV cut short while it is read ends with a truncation warning")
    func wavTruncatedWhileRead() throws {
        let dir = try folder(); defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("cut.wav").path
        try FileManager.default.copyItem(atPath: fixture("speech/speech-44k-stereo.wav"), toPath: path)
        let source = try AudioDecoder.open(path)
        #expect(source.warnings.isEmpty)
        #expect(truncate(path, 300_000) == 0)                 // under a reader that already opened it
        let frames = try decodeAll(source).count / source.channels
        #expect(frames < 176_400)
        #expect(source.warnings.contains { if case .truncated(176_400, frames, 44100) = $0 { true } else { false } }, "\(source.warnings)")
    }
}

/// Whether a format's opener saw a seekable source.
final class SeenSeekable: @unchecked Sendable {
    // Sendable: written by the opener and read afterwards on the same thread.
    var value = false
}

/// Bytes handed from a reader thread to the test.
final class ReceivedBytes: @unchecked Sendable {
    private let lock = NSLock()
    private var data: Data?
    func set(_ d: Data) { lock.lock(); data = d; lock.unlock() }
    func get() -> Data? { lock.lock(); defer { lock.unlock() }; return data }
}
