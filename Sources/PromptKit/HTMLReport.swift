import AudioIO
import DSP
import G711
import FoundationEssentials

/// The picture of a `verify`: one self-contained HTML page (no network resources) with
/// the two waveforms aligned, their spectra, the measurements, and both sounds as
/// inline WAV players, so an admin can listen on a desktop to what the server holds.
enum HTMLReport {
    static func write(_ r: VerifyResult, file: [Float], reference: [Float], to path: String) throws {
        let out = try OutputFile(path: path, overwrite: true)
        try out.write(Array(render(r, file: file, reference: reference).utf8))
        try out.commit()
    }

    static func render(_ r: VerifyResult, file: [Float], reference: [Float]) -> String {
        // Align for display: drop the leading lag from whichever starts late.
        let a = r.lagSamples > 0 ? Array(file.dropFirst(r.lagSamples)) : file
        let b = r.lagSamples < 0 ? Array(reference.dropFirst(-r.lagSamples)) : reference
        let seconds = Double(max(a.count, b.count)) / 8000
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let json = (try? encoder.encode(r)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        let rows: [(String, String)] = [
            ("SNR after alignment", fixed(r.snrDB, 1) + " dB"), ("level difference", fixed(r.levelDifferenceDB, 2, plus: true) + " dB"),
            ("length difference", fixed(r.lengthDifferenceMs, 1, plus: true) + " ms"), ("lag", "\(r.lagSamples) samples at 8 kHz"),
            ("largest step difference", r.maxStepDeviation.map { "\($0)" } ?? "n/a (not the same G.711 law)"),
            ("clipped samples", "\(r.clippedInFile) in the file, \(r.clippedInReference) in the reference"),
            ("identical bytes", r.identical ? "yes" : "no"),
        ]
        return """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>promptc verify: \(escape(r.file))</title>
        <style>
        body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
        .pass { color: #1a7f37; } .fail { color: #cf222e; }
        table { border-collapse: collapse; } td { padding: 2px 12px 2px 0; }
        svg { background: #fafafa; border: 1px solid #ddd; width: 100%; max-width: 1000px; height: auto; }
        .file { stroke: #0969da; color: #0969da; } .reference { stroke: #bf8700; color: #bf8700; }
        </style>
        </head>
        <body>
        <h1 class="\(r.passed ? "pass" : "fail")">\(r.passed ? "PASS" : "FAIL"): \(escape(r.file))</h1>
        <p>compared with <b>\(escape(r.reference))</b></p>
        <table>
        \(rows.map { "<tr><td>\($0.0)</td><td>\(escape($0.1))</td></tr>" }.joined(separator: "\n"))
        </table>
        \(r.failures.isEmpty ? "" : "<ul class=\"fail\">" + r.failures.map { "<li>\(escape($0))</li>" }.joined() + "</ul>")
        <h2>Waveforms, aligned (\(fixed(seconds, 2)) s)</h2>
        <p><span class="file">&#9644;</span> file (top) &nbsp; <span class="reference">&#9644;</span> reference (bottom)</p>
        <svg id="waveforms" viewBox="0 0 1000 300" xmlns="http://www.w3.org/2000/svg">
        <line x1="0" y1="75" x2="1000" y2="75" stroke="#ccc"/><line x1="0" y1="225" x2="1000" y2="225" stroke="#ccc"/>
        <polyline class="file" fill="none" stroke-width="1" points="\(envelope(a, columns: 1000, top: 0, height: 150, total: max(a.count, b.count)))"/>
        <polyline class="reference" fill="none" stroke-width="1" points="\(envelope(b, columns: 1000, top: 150, height: 150, total: max(a.count, b.count)))"/>
        </svg>
        <h2>Spectra (average, 0 to 4000 Hz, dB)</h2>
        <svg id="spectra" viewBox="0 0 1000 300" xmlns="http://www.w3.org/2000/svg">
        \(stride(from: 0, through: 4000, by: 1000).map { f in "<line x1=\"\(f / 4)\" y1=\"0\" x2=\"\(f / 4)\" y2=\"300\" stroke=\"#eee\"/><text x=\"\(f / 4 + 2)\" y=\"295\" font-size=\"10\">\(f) Hz</text>" }.joined())
        <polyline class="file" fill="none" stroke-width="1.5" points="\(spectrum(a))"/>
        <polyline class="reference" fill="none" stroke-width="1.5" points="\(spectrum(b))"/>
        </svg>
        <h2>Listen</h2>
        <p>file: <audio controls src="data:audio/wav;base64,\(wavBase64(file))"></audio></p>
        <p>reference: <audio controls src="data:audio/wav;base64,\(wavBase64(reference))"></audio></p>
        <script type="application/json" id="measurements">\(json.replacing("</", with: "<\\/"))</script>
        </body>
        </html>

        """
    }

    /// Peak per column, drawn up from the band's centre line and back down mirrored.
    static func envelope(_ x: [Float], columns: Int, top: Double, height: Double, total: Int) -> String {
        guard total > 0 else { return "" }
        var up: [String] = [], down: [String] = []
        for c in 0..<columns {
            let s = c * total / columns, e = max(s + 1, (c + 1) * total / columns)
            var peak: Float = 0
            if s < x.count { for i in s..<min(e, x.count) { peak = max(peak, abs(x[i])) } }
            let mid = top + height / 2, y = Double(min(peak, 1)) * height / 2
            up.append("\(c),\(fixed(mid - y, 1))")
            down.append("\(c),\(fixed(mid + y, 1))")
        }
        return (up + down.reversed()).joined(separator: " ")
    }

    /// Spectrum from -100 to 0 dB mapped onto the plot.
    static func spectrum(_ x: [Float]) -> String {
        let db = Spectrum.averageDB(x, size: 512)
        return db.enumerated().map { k, v in
            let xPos = Double(k) * 1000 / Double(db.count - 1)
            let y = min(300, max(0, -v * 3))
            return "\(fixed(xPos, 1)),\(fixed(y, 1))"
        }.joined(separator: " ")
    }

    static func wavBase64(_ x: [Float]) -> String {
        var pcm = [Int16](repeating: 0, count: x.count)
        x.withUnsafeBufferPointer { i in pcm.withUnsafeMutableBufferPointer { LinearPCM.encode(i, into: $0) } }
        var data = Data(PCM16Writer.header(rate: 8000, dataBytes: x.count * 2))
        pcm.withUnsafeBytes { data.append(contentsOf: $0) }   // little-endian hosts
        return data.base64EncodedString()
    }

    static func escape(_ s: String) -> String {
        s.replacing("&", with: "&amp;").replacing("<", with: "&lt;")
            .replacing(">", with: "&gt;").replacing("\"", with: "&quot;")
    }

    static func fixed(_ v: Double, _ digits: Int, plus: Bool = false) -> String {
        formatted(plus ? "%+.\(digits)f" : "%.\(digits)f", v)
    }
}
