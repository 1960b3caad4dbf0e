import Foundation
@testable import AudioIO

let fixtures = URL(fileURLWithPath: #filePath)
    .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    .appendingPathComponent("Fixtures")

func fixture(_ name: String) -> String { fixtures.appendingPathComponent(name).path }

/// Decodes a whole source (interleaved) in small blocks, as the pipeline does.
func decodeAll(_ source: AudioSource, block: Int = 1000) throws -> [Float] {
    var all: [Float] = []
    var buf = [Float](repeating: 0, count: block * source.channels)
    while true {
        let n = try buf.withUnsafeMutableBufferPointer { try source.read(into: $0.baseAddress!, frames: block) }
        if n == 0 { break }
        all.append(contentsOf: buf[0..<(n * source.channels)])
    }
    return all
}

/// A pipe with `data` written into it from another thread; returns the read end (the
/// caller closes it). The writer closes its end when done, so readers see end-of-file.
func feedPipe(_ data: Data) throws -> Int32 {
    var pair: [Int32] = [0, 0]
    guard pipe(&pair) == 0 else { throw AudioIOError(.unreadable, "pipe", "cannot create a pipe") }
    let writeEnd = pair[1]
    let writer = Thread {
        data.withUnsafeBytes { b in
            var off = 0
            while off < b.count {
                let n = write(writeEnd, b.baseAddress! + off, b.count - off)
                if n <= 0 { break }
                off += n
            }
        }
        close(writeEnd)
    }
    writer.start()
    return pair[0]
}

/// Interleaved 16-bit little-endian reference PCM as floats.
func readS16(_ path: String) throws -> [Float] {
    let d = try Data(contentsOf: URL(fileURLWithPath: path))
    return stride(from: 0, to: d.count - 1, by: 2).map { Float(Int16(bitPattern: UInt16(d[$0]) | UInt16(d[$0 + 1]) << 8)) / 32768 }
}

/// Signal-to-noise ratio of `x` against `reference` in dB (same length, same alignment).
func snr(_ x: [Float], _ reference: [Float]) -> Double {
    var s = 0.0, n = 0.0
    for i in 0..<min(x.count, reference.count) {
        s += Double(reference[i]) * Double(reference[i])
        let d = Double(x[i]) - Double(reference[i])
        n += d * d
    }
    return 10 * log10(s / max(n, 1e-30))
}

/// A new empty folder under the system's temporary folder; the caller removes it.
func temporaryFolder() throws -> URL {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("promptc-audioio-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    return dir
}
