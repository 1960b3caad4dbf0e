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

    /// One page for a folder: a table with a row per pair, then each pair's section.
    /// Written pair by pair (each loaded again), so memory holds one pair at a time.
    static func writeFolder(_ results: [VerifyResult], missing: [String], extra: [String], raw: RawFormat?, to path: String) throws {
        let out = try OutputFile(path: path, overwrite: true)
        do {
            let passed = results.filter(\.passed).count
            var top = head(title: "promptc verify: \(results.count) prompts")
            top += "<h1 class=\"\(passed == results.count && missing.isEmpty && extra.isEmpty ? "pass" : "fail")\">\(passed) of \(results.count) passed"
            top += missing.isEmpty && extra.isEmpty ? "" : " (\(missing.count) missing, \(extra.count) extra)"
            top += "</h1>\n" + legend + "<table class=\"summary\">\n<tr><th>prompt</th><th>compared with</th><th>result</th><th>SNR</th><th>level</th><th>length</th><th>lag</th></tr>\n"
            for (k, r) in results.enumerated() {
                top += "<tr><td><a href=\"#pair-\(k)\">\(escape(r.file))</a></td><td>\(escape(r.reference))</td><td class=\"\(r.passed ? "pass" : "fail")\">\(r.passed ? "PASS" : "FAIL")</td>"
                top += "<td>\(fixed(r.snrDB, 1)) dB</td><td>\(fixed(r.levelDifferenceDB, 2, plus: true)) dB</td><td>\(fixed(r.lengthDifferenceMs, 1, plus: true)) ms</td><td>\(fixed(Double(r.lagSamples) / 8, 3, plus: true)) ms</td></tr>\n"
            }
            for m in missing { top += "<tr><td colspan=\"2\">\(escape(m))</td><td class=\"fail\">MISSING</td><td colspan=\"4\">only in the reference folder</td></tr>\n" }
            for e in extra { top += "<tr><td colspan=\"2\">\(escape(e))</td><td class=\"fail\">EXTRA</td><td colspan=\"4\">no prompt of that name in the reference folder</td></tr>\n" }
            top += "</table>\n"
            try out.write(Array(top.utf8))
            for (k, r) in results.enumerated() {
                let a = try Verifier.load(r.file, raw: raw)
                var b = try Verifier.load(r.reference, raw: raw)
                if let f = PromptFormat.forExtension(AudioDecoder.fileExtension(r.file)), r.referenceCodedAs != nil {
                    b = try Verifier.codedReference(r.reference, as: f, raw: raw)
                }
                try out.write(Array("<section id=\"pair-\(k)\">\n\(section(r, file: a.samples, reference: b.samples, heading: "h2"))</section>\n".utf8))
            }
            try out.write(Array("</body>\n</html>\n".utf8))
            try out.commit()
        } catch {
            out.abort()
            throw error
        }
    }

    static func render(_ r: VerifyResult, file: [Float], reference: [Float]) -> String {
        head(title: "promptc verify: \(r.file)") + legend + section(r, file: file, reference: reference, heading: "h1") + "</body>\n</html>\n"
    }

    static func head(title: String) -> String {
        """
        <!DOCTYPE html>
        <html lang="en">
        <head>
        <meta charset="utf-8">
        <title>\(escape(title))</title>
        <style>
        body { font: 14px/1.4 system-ui, sans-serif; margin: 2em; color: #222; }
        .pass { color: #1a7f37; } .fail { color: #cf222e; }
        table { border-collapse: collapse; } td, th { padding: 2px 12px 2px 0; text-align: left; }
        svg { background: #fafafa; border: 1px solid #ddd; width: 100%; max-width: 1000px; height: auto; }
        .file { stroke: #0969da; color: #0969da; } .reference { stroke: #bf8700; color: #bf8700; }
        .note { color: #555; max-width: 60em; }
        </style>
        </head>
        <body>

        """
    }

    /// What the measures mean, once per page.
    static let legend = """
        <p class="note">How to read this: the prompt (the file) and what it is compared with (the reference) are
        both brought to 8 kHz mono, as a caller hears them, and lined up. <b>SNR</b> (signal-to-noise ratio)
        says how little of the file differs from the reference: two correct conversions of one recording
        measure 30 dB or more, a different level or a wrong law far less. <b>Level</b> is the difference in
        loudness (RMS), <b>length</b> the difference in duration, <b>lag</b> how much later the file starts.
        A step is one quantisation level of G.711.</p>

        """

    /// One pair: verdict, measurements, plots with their axes, players, the data as JSON.
    static func section(_ r: VerifyResult, file: [Float], reference: [Float], heading: String) -> String {
        // Align for display: drop the leading lag from whichever starts late.
        let a = r.lagSamples > 0 ? Array(file.dropFirst(r.lagSamples)) : file
        let b = r.lagSamples < 0 ? Array(reference.dropFirst(-r.lagSamples)) : reference
        let seconds = Double(max(a.count, b.count)) / 8000
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.sortedKeys]
        encoder.nonConformingFloatEncodingStrategy = .convertToString(positiveInfinity: "inf", negativeInfinity: "-inf", nan: "nan")
        let json = (try? encoder.encode(r)).map { String(decoding: $0, as: UTF8.self) } ?? "{}"
        let lagMs = Double(r.lagSamples) / 8
        let rows: [(String, String)] = [
            ("SNR after alignment", fixed(r.snrDB, 1) + " dB"), ("level difference", fixed(r.levelDifferenceDB, 2, plus: true) + " dB"),
            ("length difference", fixed(r.lengthDifferenceMs, 1, plus: true) + " ms"),
            ("lag", fixed(lagMs, 3, plus: true) + " ms (" + (r.lagSamples == 0 ? "they start together" : r.lagSamples > 0 ? "the file starts later" : "the file starts earlier") + ")"),
            ("largest step difference", r.maxStepDeviation.map { "\($0)" } ?? "n/a (not the same G.711 law)"),
            ("clipped samples", "\(r.clippedInFile) in the file, \(r.clippedInReference) in the reference"),
            ("identical bytes", r.identical ? "yes" : "no"),
        ] + (r.referenceCodedAs.map { [("reference", "coded as \($0) first, as the file is")] } ?? [])
        let h = heading, sub = heading == "h1" ? "h2" : "h3"
        return """
        <\(h) class="\(r.passed ? "pass" : "fail")">\(r.passed ? "PASS" : "FAIL"): \(escape(r.file))</\(h)>
        <p>compared with <b>\(escape(r.reference))</b></p>
        <table>
        \(rows.map { "<tr><td>\($0.0)</td><td>\(escape($0.1))</td></tr>" }.joined(separator: "\n"))
        </table>
        \(r.failures.isEmpty ? "" : "<ul class=\"fail\">" + r.failures.map { "<li>\(escape($0))</li>" }.joined() + "</ul>")
        <\(sub)>Waveforms, lined up (\(fixed(seconds, 2)) s)</\(sub)>
        <p><span class="file">&#9644;</span> file (top) &nbsp; <span class="reference">&#9644;</span> reference (bottom); height: peak sample, full scale (0 dBFS) at each band's edges, grey lines at -6 and -20 dBFS; time in seconds</p>
        <svg viewBox="0 0 1050 325" xmlns="http://www.w3.org/2000/svg">
        \(timeTicks(seconds: seconds, height: 300))
        <line x1="0" y1="75" x2="1000" y2="75" stroke="#ccc"/><line x1="0" y1="225" x2="1000" y2="225" stroke="#ccc"/>
        \(amplitudeTicks(top: 0, height: 150))\(amplitudeTicks(top: 150, height: 150))
        <text x="1004" y="86" font-size="11">file</text><text x="1004" y="236" font-size="11">ref.</text>
        <polyline class="file" fill="none" stroke-width="1" points="\(envelope(a, columns: 1000, top: 0, height: 150, total: max(a.count, b.count)))"/>
        <polyline class="reference" fill="none" stroke-width="1" points="\(envelope(b, columns: 1000, top: 150, height: 150, total: max(a.count, b.count)))"/>
        </svg>
        <\(sub)>Spectra (average level by frequency)</\(sub)>
        <p><span class="file">&#9644;</span> file &nbsp; <span class="reference">&#9644;</span> reference; frequency in Hz, level in dB below full scale</p>
        <svg viewBox="0 0 1050 325" xmlns="http://www.w3.org/2000/svg">
        \(spectrumAxes)
        <polyline class="file" fill="none" stroke-width="1.5" points="\(spectrum(a))"/>
        <polyline class="reference" fill="none" stroke-width="1.5" points="\(spectrum(b))"/>
        </svg>
        <\(sub)>Listen</\(sub)>
        <p>file: <audio controls src="data:audio/wav;base64,\(wavBase64(file))"></audio></p>
        <p>reference: <audio controls src="data:audio/wav;base64,\(wavBase64(reference))"></audio></p>
        <script type="application/json" class="measurements">\(json.replacing("</", with: "<\\/"))</script>

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

extension HTMLReport {
    /// The amplitude scale of a waveform band: full scale at its edges, -6 and -20 dBFS
    /// marked, labelled on the right.
    static func amplitudeTicks(top: Double, height: Double) -> String {
        let mid = top + height / 2
        return [(1.0, "0 dBFS"), (0.5, "-6"), (0.1, "-20")].map { a, label in
            let dy = a * height / 2
            return "<line x1=\"0\" y1=\"\(fixed(mid - dy, 1))\" x2=\"1000\" y2=\"\(fixed(mid - dy, 1))\" stroke=\"#eee\"/>"
                + "<line x1=\"0\" y1=\"\(fixed(mid + dy, 1))\" x2=\"1000\" y2=\"\(fixed(mid + dy, 1))\" stroke=\"#eee\"/>"
                + "<text x=\"1004\" y=\"\(fixed(mid - dy + 4, 1))\" font-size=\"10\">\(label)</text>"
        }.joined()
    }

    /// A time axis for `seconds` of audio across 1000 units: a tick per second (per 0.5 s
    /// for short prompts, per 5 or 60 s for long ones), labelled in seconds.
    static func timeTicks(seconds: Double, height: Int) -> String {
        let step = seconds > 600 ? 60.0 : seconds > 20 ? 5.0 : seconds > 4 ? 1.0 : 0.5
        return stride(from: 0.0, through: seconds, by: step).map { t -> String in
            let x = seconds > 0 ? t / seconds * 1000 : 0
            return "<line x1=\"\(fixed(x, 1))\" y1=\"0\" x2=\"\(fixed(x, 1))\" y2=\"\(height)\" stroke=\"#eee\"/><text x=\"\(fixed(x + 2, 1))\" y=\"\(height + 18)\" font-size=\"11\">\(fixed(t, 1)) s</text>"
        }.joined()
    }

    /// The spectrum plot's grid: 0 to -100 dB down the side, 0 to 4000 Hz along the bottom.
    static let spectrumAxes =
        stride(from: 0, through: 100, by: 20).map { d in
            "<line x1=\"0\" y1=\"\(d * 3)\" x2=\"1000\" y2=\"\(d * 3)\" stroke=\"#eee\"/><text x=\"1004\" y=\"\(d * 3 + 4)\" font-size=\"11\">\(-d) dB</text>"
        }.joined()
        + stride(from: 0, through: 4000, by: 1000).map { f in
            "<line x1=\"\(f / 4)\" y1=\"0\" x2=\"\(f / 4)\" y2=\"300\" stroke=\"#eee\"/><text x=\"\(f / 4 + 2)\" y=\"318\" font-size=\"11\">\(f) Hz</text>"
        }.joined()

    /// What the `info` page shows, once per page.
    static let infoLegend = """
        <p class="note">How to read this: each file is shown as a caller hears it, brought to 8 kHz mono.
        <b>Waveform</b>: the highest sample in each slice of time, mirrored about the centre line; the band's
        edges are full scale (0 dBFS), the grey lines -6 and -20 dBFS. Shaded: the silence (or steady noise)
        before the first sound and after the last, as <code>--trim</code> would find it. <b>Spectrum</b>: the
        average level at each frequency, 0 to 4000 Hz, in dB below full scale. <b>LUFS</b> is loudness as
        people hear it (Asterisk's own prompts: about -19); <b>dBTP</b> the highest peak, between samples too;
        <b>dBov</b> the ITU-T P.56 level of the speech while it is active. The player holds the 8 kHz
        version (about 21 KB per second of audio, 1.3 MB a minute: most of the page).</p>

        """

    /// One page for `promptc info --report`: a section per file, written file by file.
    static func writeInfo(_ infos: [FileInfo], to path: String) throws {
        let out = try OutputFile(path: path, overwrite: true)
        do {
            try out.write(Array((head(title: "promptc info: \(infos.count == 1 ? infos[0].path : "\(infos.count) files")") + infoLegend).utf8))
            for i in infos {
                let audio = try Verifier.load(i.path, raw: nil)
                try out.write(Array(infoSection(i, samples: audio.samples).utf8))
            }
            try out.write(Array("</body>\n</html>\n".utf8))
            try out.commit()
        } catch {
            out.abort()
            throw error
        }
    }

    static func infoSection(_ i: FileInfo, samples x: [Float]) -> String {
        func level(_ v: Double?, _ unit: String) -> String { v.map { $0 <= -999 ? "-inf \(unit)" : fixed($0, 1) + " " + unit } ?? "not measurable" }
        let rows: [(String, String)] = [
            ("format", i.format), ("duration", fixed(i.seconds, 2) + " s"),
            ("peak / RMS", level(i.peakDBFS, "dBFS") + " / " + level(i.rmsDBFS, "dBFS")),
            ("loudness", level(i.loudnessLUFS, "LUFS") + (i.loudnessRangeLU.map { " (range " + fixed($0, 1) + " LU)" } ?? "")),
            ("true peak", level(i.truePeakDBTP, "dBTP")),
            ("active speech (P.56)", level(i.activeSpeechLevelDBov, "dBov") + (i.activityFactor.map { ", " + fixed(100 * $0, 0) + "% active" } ?? "")),
            ("noise floor", level(i.noiseFloorDBFS, "dBFS")), ("clipped samples", "\(i.clippedSamples)"),
            ("silence", fixed(i.leadingSilence, 2) + " s before the sound, " + fixed(i.trailingSilence, 2) + " s after"),
        ]
        let seconds = Double(x.count) / 8000
        let lead = seconds > 0 ? min(1, i.leadingSilence / seconds) * 1000 : 0
        let tail = seconds > 0 ? min(1, i.trailingSilence / seconds) * 1000 : 0
        let warnings = i.warnings + [i.lawMismatch, i.problem].compactMap { $0 }
        return """
        <section>
        <h2>\(escape(i.path))</h2>
        <table>
        \(rows.map { "<tr><td>\($0.0)</td><td>\(escape($0.1))</td></tr>" }.joined(separator: "\n"))
        </table>
        \(warnings.isEmpty ? "" : "<ul class=\"fail\">" + warnings.map { "<li>\(escape($0))</li>" }.joined() + "</ul>")
        <h3>Waveform (\(fixed(seconds, 2)) s at 8 kHz)</h3>
        <p><span class="file">&#9644;</span> peak level; <span style="color:#999">&#9632;</span> silence before and after the sound; time in seconds, level in dBFS</p>
        <svg viewBox="0 0 1050 175" xmlns="http://www.w3.org/2000/svg">
        <rect x="0" y="0" width="\(fixed(lead, 1))" height="150" fill="#e4e4e4"/><rect x="\(fixed(1000 - tail, 1))" y="0" width="\(fixed(tail, 1))" height="150" fill="#e4e4e4"/>
        \(timeTicks(seconds: seconds, height: 150))
        \(amplitudeTicks(top: 0, height: 150))
        <line x1="0" y1="75" x2="1000" y2="75" stroke="#ccc"/>
        <polyline class="file" fill="none" stroke-width="1" points="\(envelope(x, columns: 1000, top: 0, height: 150, total: x.count))"/>
        </svg>
        <h3>Spectrum (average level by frequency)</h3>
        <p><span class="file">&#9644;</span> average level; frequency in Hz, level in dB below full scale</p>
        <svg viewBox="0 0 1050 325" xmlns="http://www.w3.org/2000/svg">
        \(spectrumAxes)
        <polyline class="file" fill="none" stroke-width="1.5" points="\(spectrum(x))"/>
        </svg>
        <h3>Listen (8 kHz)</h3>
        <p><audio controls src="data:audio/wav;base64,\(wavBase64(x))"></audio></p>
        </section>

        """
    }
}
