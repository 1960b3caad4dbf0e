// One libFuzzer entry point; PROMPTC_FUZZ_TARGET picks what the bytes are fed to:
//   detect     content sniffing (every input format's probe, MPEG frame chains, WAV chunks)
//   decode     open and decode to G.711 through the real pipeline (every decoder, raw by
//              extension: the first byte picks the file name's extension)
//   codecs     the GSM, G.722 and G.729 readers (the first byte picks the extension), and
//              their encoders on whatever those decode to
//   mp4 webm adts amr   one demuxer or framer each (ISO BMFF, EBML, ADTS, AMR storage),
//              opened and decoded to the end as a file of that kind
//   ffmpeg     the ffmpeg command-line grammar (the bytes as NUL-separated arguments)
//   install-manifest / batch-manifest   the manifest and journal readers
#if canImport(Glibc)
import Glibc
#endif
@testable import AudioIO
@testable import PromptKit

let target = getenv("PROMPTC_FUZZ_TARGET").map { String(cString: $0) } ?? "decode"
let scratch: String = {
    var template = Array("/tmp/promptc-fuzz-XXXXXX".utf8CString)
    return template.withUnsafeMutableBufferPointer { String(cString: mkdtemp($0.baseAddress!)!) }
}()
let extensions = ["bin", "mp3", "wav", "alaw", "ulaw", "sln", "sln16", "flac", "ogg", "gsm", "g722", "g729", "m4a", "webm", "aac", "amr"]
let codecExtensions = ["gsm", "g722", "g729"]

/// Writes the bytes to a file in the scratch folder.
func write(_ bytes: UnsafeRawBufferPointer, to path: String) {
    let fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0o600)
    if fd >= 0, let base = bytes.baseAddress { _ = Glibc.write(fd, base, bytes.count) }
    if fd >= 0 { close(fd) }
}

/// Writes the bytes after the first to a file whose extension the first byte picks, and
/// converts it through the real pipeline to `formats`.
func convert(_ bytes: UnsafeRawBufferPointer, asOneOf names: [String], to formats: [PromptFormat]) {
    guard let first = bytes.first else { return }
    let path = scratch + "/in." + names[Int(first) % names.count]
    write(UnsafeRawBufferPointer(rebasing: bytes.dropFirst()), to: path)
    var o = ConversionOptions()
    o.overwrite = true
    o.decodeAhead = false
    _ = try? Converter.convert(input: path, outputs: formats.map { OutputTarget(path: scratch + "/out." + $0.fileExtension, format: $0) }, options: o)
}

/// Writes the bytes to a file with this extension, opens it with the format detected and
/// reads every frame.
func decodeAll(_ bytes: UnsafeRawBufferPointer, as ext: String) {
    let path = scratch + "/in." + ext
    write(bytes, to: path)
    guard let source = try? AudioDecoder.open(path) else { return }
    var buffer = [Float](repeating: 0, count: 4096 * source.channels)
    while let n = try? buffer.withUnsafeMutableBufferPointer({ try source.read(into: $0.baseAddress!, frames: 4096) }), n > 0 {}
}

/// libFuzzer's driver (in the fuzzer runtime that -sanitize=fuzzer links).
@_silgen_name("LLVMFuzzerRunDriver")
func LLVMFuzzerRunDriver(_ argc: UnsafeMutablePointer<Int32>,
                         _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?>,
                         _ callback: @convention(c) (UnsafePointer<UInt8>?, Int) -> Int32) -> Int32

/// The program's entry point: SwiftPM links an executable's `main` to this symbol, and
/// it hands control to libFuzzer's driver with the target below.
@_cdecl("PromptcFuzz_main")
public func fuzzMain(_ argc: Int32, _ argv: UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>?) -> Int32 {
    atexit { TemporaryFiles.removeTree(scratch) }     // the scratch folder holds files only
    var count = argc
    var vector = argv
    return LLVMFuzzerRunDriver(&count, &vector) { data, size in fuzz(data ?? UnsafePointer(bitPattern: 1)!, size) }
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzz(_ data: UnsafePointer<UInt8>, _ size: Int) -> Int32 {
    let bytes = UnsafeRawBufferPointer(start: data, count: size)
    switch target {
    case "detect":
        let head = Array(bytes.prefix(65536))
        for ext in extensions { _ = AudioDecoder.detect(head, fileExtension: ext) }
        _ = MPEGFrameHeader.longestChain(head, atLeast: 8)
    case "decode":
        convert(bytes, asOneOf: extensions, to: [.alaw])
    case "codecs":
        convert(bytes, asOneOf: codecExtensions, to: [.gsm, .g722, .g729])
    case "mp4": decodeAll(bytes, as: "m4a")
    case "webm": decodeAll(bytes, as: "webm")
    case "adts": decodeAll(bytes, as: "aac")
    case "amr": decodeAll(bytes, as: "amr")
    case "ffmpeg":
        let args = bytes.split(separator: 0).map { String(decoding: $0, as: UTF8.self) }
        if FFmpegCommand.matches(args) { _ = try? FFmpegCommand.parse(args) }
        _ = try? FFmpegCommand.parse(["-i"] + args)
    case "install-manifest":
        write(bytes, to: scratch + "/.promptc-install.json")
        var o = InstallOptions(soundsDir: scratch)
        o.dryRun = true
        _ = try? PromptInstaller(options: o).uninstallAll()
    case "batch-manifest":
        // The first half is the manifest, the second the journal.
        write(UnsafeRawBufferPointer(rebasing: bytes.prefix(size / 2)), to: scratch + "/.promptc-manifest.json")
        write(UnsafeRawBufferPointer(rebasing: bytes.dropFirst(size / 2)), to: scratch + "/.promptc-journal")
        _ = try? BatchManifest.load(scratch)
    default:
        fatalError("PROMPTC_FUZZ_TARGET must be detect, decode, codecs, mp4, webm, adts, amr, ffmpeg, install-manifest or batch-manifest")
    }
    return 0
}
