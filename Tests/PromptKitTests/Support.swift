import Foundation
@testable import AudioIO
import G711

let root = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
let fixtures = root.appendingPathComponent("Fixtures")
func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

/// The promptc binary built next to the test bundle (same configuration).
let promptcBinary: String = {
    let bundle = Bundle.main.bundleURL
    for dir in [bundle, bundle.deletingLastPathComponent()] {
        let p = dir.appendingPathComponent("promptc").path
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    for c in ["release", "debug"] {
        let p = root.appendingPathComponent(".build/\(c)/promptc").path
        if FileManager.default.isExecutableFile(atPath: p) { return p }
    }
    return "promptc"
}()

/// A fresh temporary folder, removed by the caller's defer.
func temporaryFolder() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("promptc-test-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}

struct RunResult { var status: Int32; var stdout: Data; var stderr: String }

/// Runs the real promptc binary.
@discardableResult
func runPromptc(_ args: [String], stdin: Data? = nil, in folder: URL? = nil) throws -> RunResult {
    let p = Process()
    p.executableURL = URL(fileURLWithPath: promptcBinary)
    p.arguments = args
    if let f = folder { p.currentDirectoryURL = f }
    let out = Pipe(), err = Pipe(), inp = Pipe()
    p.standardOutput = out
    p.standardError = err
    p.standardInput = stdin == nil ? FileHandle.nullDevice : inp
    try p.run()
    if let d = stdin {
        DispatchQueue.global().async { inp.fileHandleForWriting.write(d); try? inp.fileHandleForWriting.close() }
    }
    let o = out.fileHandleForReading.readDataToEndOfFile()
    let e = err.fileHandleForReading.readDataToEndOfFile()
    p.waitUntilExit()
    return RunResult(status: p.terminationStatus, stdout: o, stderr: String(decoding: e, as: UTF8.self))
}

/// Decodes any file promptc reads to mono float (first channel or mean).
func decodeMono(_ path: String) throws -> (samples: [Float], rate: Int) {
    let s = try AudioDecoder.open(path)
    var all: [Float] = []
    var buf = [Float](repeating: 0, count: 4096 * s.channels)
    while true {
        let n = try buf.withUnsafeMutableBufferPointer { try s.read(into: $0.baseAddress!, frames: 4096) }
        if n == 0 { break }
        for f in 0..<n {
            var m: Float = 0
            for c in 0..<s.channels { m += buf[f * s.channels + c] }
            all.append(m / Float(s.channels))
        }
    }
    return (all, s.sampleRate)
}

/// Best lag of `x` against `reference` within ±maxLag samples (cross-correlation),
/// and the SNR of x against the reference at that lag.
func alignedSNR(_ x: [Float], _ reference: [Float], maxLag: Int = 800) -> (lag: Int, snr: Double) {
    var best = (lag: 0, corr: -Double.infinity)
    for lag in -maxLag...maxLag {
        var c = 0.0
        var i = max(0, -lag)
        while i < reference.count && i + lag < x.count {
            if i + lag >= 0 { c += Double(x[i + lag]) * Double(reference[i]) }
            i += 1
        }
        if c > best.corr { best = (lag, c) }
    }
    var s = 0.0, n = 0.0
    for i in 0..<reference.count where i + best.lag >= 0 && i + best.lag < x.count {
        let r = Double(reference[i]), d = Double(x[i + best.lag]) - r
        s += r * r
        n += d * d
    }
    return (best.lag, 10 * log10(s / max(n, 1e-30)))
}

func rmsDB(_ x: ArraySlice<Float>) -> Double {
    10 * log10(x.reduce(0.0) { $0 + Double($1) * Double($1) } / Double(max(x.count, 1)) + 1e-30)
}

/// Writes a 16-bit PCM WAV (for test inputs made at run time).
func writeWAV(_ path: String, samples: [Int16], rate: Int, channels: Int = 1) throws {
    func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    func le16(_ v: Int) -> [UInt8] { (0..<2).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    let data = samples.flatMap { le16(Int($0)) }
    let header = Array("RIFF".utf8) + le32(36 + data.count) + Array("WAVEfmt ".utf8) + le32(16) + le16(1) + le16(channels)
        + le32(rate) + le32(rate * 2 * channels) + le16(2 * channels) + le16(16) + Array("data".utf8) + le32(data.count)
    try Data(header + data).write(to: URL(fileURLWithPath: path))
}

func tone(_ f: Double, rate: Int, seconds: Double, dBFS: Double, channels: Int = 1) -> [Int16] {
    let a = pow(10, dBFS / 20) * 32768
    return (0..<Int(Double(rate) * seconds)).flatMap { i in
        [Int16](repeating: Int16(clamping: Int((a * sin(2 * .pi * f * Double(i) / Double(rate))).rounded())), count: channels)
    }
}
