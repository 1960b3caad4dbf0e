import Foundation
@testable import AudioIO
import Testing
@testable import PromptKit
import G711

@Suite("promptc verify and the law check")
struct VerifyTests {
    static let pairs = ["speech-44k-cbr128.mp3", "speech-44k-stereo.wav", "speech-16k-mono.wav", "speech-48k-abr.mp3"]

    @Test("promptc's prompts pass against the ffmpeg command's, and against the original", arguments: pairs)
    func passesAgainstFFmpeg(input: String) throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let base = (input as NSString).deletingPathExtension
        for ext in ["alaw", "ulaw"] {
            let out = dir.appendingPathComponent("p.\(ext)").path
            _ = try Converter.convert(input: fixture("speech/\(input)"), outputs: [try OutputTarget(path: out)])
            let r = try Verifier.verify(file: out, reference: fixture("reference/\(base).ffmpeg.\(ext)"))
            #expect(r.passed, "\(r.failures)")
            #expect(r.lagSamples == 0 && abs(r.levelDifferenceDB) < 0.05 && r.snrDB > 30, "SNR \(r.snrDB)")
            #expect(r.maxStepDeviation != nil)
            let s = try Verifier.verify(file: out, reference: fixture("speech/\(input)"))
            #expect(s.passed && s.snrDB > 37, "against the source: \(s.snrDB) dB")
        }
    }

    @Test("each classic mistake fails with the right message", arguments: [
        ("mulaw-as-alaw.alaw", "looks like mu-law but the file says A-law"),
        ("alaw-as-ulaw.ulaw", "looks like A-law but the file says mu-law"),
        ("16k-as-8k.sln", "16 kHz audio saved as 8 kHz"),
        ("wav-header.alaw", "a WAV header inside a raw .alaw file"),
        ("quiet-6db.alaw", "level differs by -6.0 dB"),
        ("louder-1db.alaw", "level differs by +1.0 dB"),
        ("silence.alaw", "the file is silent"),
    ])
    func classicMistakes(file: String, message: String) throws {
        let r = try Verifier.verify(file: fixture("verify/\(file)"), reference: fixture("reference/speech-44k-cbr128.ffmpeg.alaw"))
        #expect(!r.passed)
        #expect(r.failures.contains { $0.contains(message) }, "\(r.failures)")
    }

    @Test("codec prompts are compared with the reference coded the same way: stock .gsm passes against its .wav; a 6 dB quieter one, G.711 named .gsm and the stock .g722 (another master) fail")
    func codecFormats() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        for name in ["en-5", "en-auth-thankyou", "en-vm-goodbye", "fr-activated"] {
            let r = try Verifier.verify(file: fixture("stock/\(name).gsm"), reference: fixture("stock/\(name).wav"))
            #expect(r.passed && r.referenceCodedAs == "GSM 06.10" && r.snrDB > 12 && abs(r.levelDifferenceDB) < 0.5, "\(name): \(r.failures)")
            // Debian's .g722 prompts are another master of the same words (README): they fail.
            let w = try Verifier.verify(file: fixture("stock/\(name).g722"), reference: fixture("stock/\(name).wav"))
            #expect(!w.passed && w.snrDB < 8, "\(name)")
        }
        // promptc's own G.729 of a recording is identical to the coded reference.
        let own = dir.appendingPathComponent("own.g729").path
        _ = try Converter.convert(input: fixture("speech/speech-44k-stereo.wav"), outputs: [OutputTarget(path: own, format: .g729)])
        let r = try Verifier.verify(file: own, reference: fixture("speech/speech-44k-stereo.wav"))
        #expect(r.passed && r.identical && r.referenceCodedAs == "G.729 Annex A")
        // 6 dB quieter: the level check catches it.
        let quiet = dir.appendingPathComponent("quiet.gsm").path
        let x = try decodeMono(fixture("stock/en-5.wav")).samples.map { $0 * 0.5 }
        let w = try makePromptWriter(format: .gsm, path: quiet, overwrite: true)
        try x.withUnsafeBufferPointer { try w.write($0) }
        try w.finish()
        let q = try Verifier.verify(file: quiet, reference: fixture("stock/en-5.wav"))
        #expect(!q.passed && abs(q.levelDifferenceDB + 6) < 0.5)
        // A-law bytes renamed .gsm: the file itself is reported.
        let renamed = dir.appendingPathComponent("renamed.gsm").path
        try FileManager.default.copyItem(atPath: fixture("reference/speech-44k-cbr128.ffmpeg.alaw"), toPath: renamed)
        let bad = try Verifier.verify(file: renamed, reference: fixture("speech/speech-44k-cbr128.mp3"))
        #expect(!bad.passed && bad.failures.contains { $0.contains("GSM 06.10 frames") })
    }

    @Test("--exact wants identical bytes; thresholds can be changed")
    func exactAndThresholds() throws {
        let ref = fixture("reference/speech-44k-cbr128.ffmpeg.alaw")
        var t = VerifyThresholds(); t.exact = true
        #expect(try Verifier.verify(file: ref, reference: ref, thresholds: t).passed)
        #expect(!(try Verifier.verify(file: fixture("verify/louder-1db.alaw"), reference: ref, thresholds: t).passed))
        var loose = VerifyThresholds(); loose.minSNR = 15; loose.maxLevelDifference = 1.5
        #expect(try Verifier.verify(file: fixture("verify/louder-1db.alaw"), reference: ref, thresholds: loose).passed)
    }

    @Test("the law check tells A-law from mu-law bytes")
    func lawDetector() throws {
        let a = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture("reference/speech-16k-mono.ffmpeg.alaw"))))
        let u = [UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture("reference/speech-16k-mono.ffmpeg.ulaw"))))
        #expect(LawDetector.judge(a) == .aLaw && LawDetector.judge(u) == .muLaw)
        // Digital silence says which law wrote it: A-law's zero is 0xD5, mu-law's 0xFF.
        #expect(LawDetector.judge([UInt8](repeating: 0xD5, count: 8000)) == .aLaw && LawDetector.judge([UInt8](repeating: 0xFF, count: 8000)) == .muLaw)
        #expect(try Inspector.inspect(fixture("verify/mulaw-as-alaw.alaw")).lawMismatch?.contains("looks like mu-law") == true)
        #expect(try Inspector.inspect(fixture("reference/speech-16k-mono.ffmpeg.alaw")).lawMismatch == nil)
    }

    @Test("folders: pairs by relative path, lists missing and extra, exit codes 0 / 1 / 2")
    func foldersAndExitCodes() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out"), ref = dir.appendingPathComponent("ref")
        for d in [out, ref] { try FileManager.default.createDirectory(at: d.appendingPathComponent("custom"), withIntermediateDirectories: true) }
        let good = fixture("reference/speech-44k-cbr128.ffmpeg.alaw")
        try FileManager.default.copyItem(atPath: good, toPath: ref.appendingPathComponent("custom/a.alaw").path)
        try FileManager.default.copyItem(atPath: good, toPath: ref.appendingPathComponent("custom/gone.alaw").path)
        _ = try Converter.convert(input: fixture("speech/speech-44k-cbr128.mp3"), outputs: [try OutputTarget(path: out.appendingPathComponent("custom/a.alaw").path)])
        #expect(try runPromptc(["verify", out.path + "/custom/a.alaw", "--reference", good]).status == 0)
        try FileManager.default.copyItem(atPath: good, toPath: out.appendingPathComponent("custom/new.alaw").path)
        let r = try runPromptc(["verify", out.path, "--reference", ref.path])
        let text = String(decoding: r.stdout, as: UTF8.self)
        #expect(r.status == 1)
        #expect(text.contains("PASS \(out.path)/custom/a.alaw"))
        #expect(text.contains("MISSING \(out.path)/custom/gone.alaw") && text.contains("EXTRA \(out.path)/custom/new.alaw"))
        #expect(text.contains("1 passed, 2 failed (1 missing, 1 extra)"))
        let json = try runPromptc(["verify", out.path, "--reference", ref.path, "--json"])
        let parsed = try JSONSerialization.jsonObject(with: json.stdout) as? [String: Any]
        #expect(parsed?["passed"] as? Bool == false && (parsed?["missing"] as? [String]) == ["custom/gone.alaw"])
        #expect(((parsed?["results"] as? [[String: Any]])?.first?["snrDB"] as? Double ?? 0) > 30)
        #expect(try runPromptc(["verify", fixture("verify/quiet-6db.alaw"), "--reference", good]).status == 1)
        #expect(try runPromptc(["verify", "/no/such.alaw", "--reference", good]).status == 2)
        #expect(try runPromptc(["verify", good]).status != 0)
    }
}

@Suite("verify --report")
struct ReportTests {
    @Test("the HTML page is self-contained and holds the plots' data, the measurements and both sounds")
    func report() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let page = dir.appendingPathComponent("report.html").path
        let r = try runPromptc(["verify", fixture("verify/quiet-6db.alaw"), "--reference", fixture("reference/speech-44k-cbr128.ffmpeg.alaw"), "--report", page])
        #expect(r.status == 1)
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
        for tag in ["html", "head", "body", "svg", "table", "h1", "h2"] {
            #expect(html.components(separatedBy: "<\(tag)").count == html.components(separatedBy: "</\(tag)>").count, "<\(tag)> balanced")
        }
        // No network resources: nothing is loaded from elsewhere.
        #expect(!html.contains("src=\"http") && !html.contains("href=") && !html.contains("url("))
        // Plot data: two envelopes of 2000 points, two spectra of 257 points.
        let polylines = html.components(separatedBy: "points=\"").dropFirst().map { $0.prefix { $0 != "\"" }.split(separator: " ").count }
        #expect(polylines == [2000, 2000, 257, 257])
        // Measurements as JSON.
        let json = html.components(separatedBy: "<script type=\"application/json\" class=\"measurements\">")[1].components(separatedBy: "</script>")[0]
        let m = try JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String: Any]
        #expect(abs((m?["levelDifferenceDB"] as? Double ?? 0) + 6) < 0.1 && m?["passed"] as? Bool == false)
        // Both sounds: WAV data that decodes to the prompts' 4 s at 8 kHz.
        let players = html.components(separatedBy: "src=\"data:audio/wav;base64,").dropFirst().map { String($0.prefix { $0 != "\"" }) }
        #expect(players.count == 2)
        for (i, b64) in players.enumerated() {
            let wav = dir.appendingPathComponent("p\(i).wav").path
            try Data(base64Encoded: b64)!.write(to: URL(fileURLWithPath: wav))
            let decoded = try decodeMono(wav)
            #expect(decoded.rate == 8000 && decoded.samples.count == 32000)
        }
        // Axes with units on both plots; lag in milliseconds; the terms explained once.
        #expect(html.contains(">0.0 s</text>") && html.contains(">4.0 s</text>") && html.contains(">-40 dB</text>") && html.contains(">2000 Hz</text>"))
        #expect(html.components(separatedBy: ">0 dBFS</text>").count - 1 == 2 && html.contains(">-20</text>"))
        #expect(html.contains("+0.000 ms (they start together)") && html.contains("signal-to-noise ratio"))
    }

    @Test("info --report: one page, each file's measures as info prints them, waveform and spectrum with axes, an 8 kHz player; about 1.3 MB a minute")
    func infoReport() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let page = dir.appendingPathComponent("info.html").path
        let files = [fixture("conditioning/hissy.flac"), fixture("speech/speech-44k-cbr128.mp3")]
        let r = try runPromptc(["info", "--json", "--report", page] + files)
        #expect(r.status == 0, "\(r.stderr)")
        let infos = try JSONSerialization.jsonObject(with: r.stdout) as! [[String: Any]]
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n"))
        for tag in ["html", "body", "svg", "table", "section"] {
            #expect(html.components(separatedBy: "<\(tag)").count == html.components(separatedBy: "</\(tag)>").count, "<\(tag)> balanced")
        }
        #expect(!html.contains("src=\"http") && !html.contains("href=") && !html.contains("url("))
        let sections = html.components(separatedBy: "<section>").dropFirst()
        #expect(sections.count == 2)
        for (section, info) in zip(sections, infos) {
            #expect(section.contains("<h2>\(info["path"] as! String)</h2>"))
            let lufs = String(format: "%.1f LUFS", info["loudnessLUFS"] as! Double), tp = String(format: "%.1f dBTP", info["truePeakDBTP"] as! Double)
            #expect(section.contains(lufs) && section.contains(tp), "\(lufs), \(tp)")
            // Axes with units, and the silence shaded as info measures it.
            #expect(section.contains(">0.0 s</text>") && section.contains(">0 dBFS</text>") && section.contains(">2000 Hz</text>") && section.contains(">-40 dB</text>"))
            let lead = info["leadingSilence"] as! Double, seconds = info["seconds"] as! Double
            #expect(section.contains("<rect x=\"0\" y=\"0\" width=\"\(String(format: "%.1f", min(1, lead / seconds) * 1000))\""))
            // The player: the file at 8 kHz, its whole length.
            let b64 = String(section.components(separatedBy: "src=\"data:audio/wav;base64,")[1].prefix { $0 != "\"" })
            let wav = dir.appendingPathComponent("p.wav").path
            try Data(base64Encoded: b64)!.write(to: URL(fileURLWithPath: wav))
            let decoded = try decodeMono(wav)
            #expect(decoded.rate == 8000 && abs(Double(decoded.samples.count) - seconds * 8000) <= 1)
        }
        #expect((infos[0]["leadingSilence"] as! Double) > 0.5, "the hissy recording starts with noise")
        // The size the help and the README state: about 1.3 MB per minute of audio.
        let minutes = infos.map { $0["seconds"] as! Double }.reduce(0, +) / 60
        let perMinute = Double(html.utf8.count) / minutes / 1_000_000
        #expect(perMinute > 1.2 && perMinute < 1.6, "\(perMinute) MB a minute")
    }

    @Test("folders: one page, a row per prompt with its verdict, then each pair with plots and players")
    func folderReport() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let rec = dir.appendingPathComponent("rec").path, out = dir.appendingPathComponent("out").path
        try FileManager.default.createDirectory(atPath: rec, withIntermediateDirectories: true)
        for name in ["welcome", "hold"] { try FileManager.default.copyItem(atPath: fixture("speech/speech-8k-mono.wav"), toPath: rec + "/\(name).wav") }
        #expect(try runPromptc(["batch", rec, "-o", out, "--format", "alaw,gsm"]).status == 0)
        let page = dir.appendingPathComponent("folder.html").path
        let r = try runPromptc(["verify", out, "--source", rec, "--report", page])
        #expect(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOfFile: page, encoding: .utf8)
        #expect(html.hasPrefix("<!DOCTYPE html>") && html.hasSuffix("</html>\n") && html.contains("4 of 4 passed"))
        #expect(html.components(separatedBy: "<tr><td><a href=\"#pair-").count - 1 == 4)
        #expect(html.components(separatedBy: "<section id=\"pair-").count - 1 == 4)
        #expect(html.components(separatedBy: "data:audio/wav;base64,").count - 1 == 8)
        #expect(html.contains("coded as GSM 06.10 first"))
        for tag in ["html", "body", "svg", "table", "section"] {
            #expect(html.components(separatedBy: "<\(tag)").count == html.components(separatedBy: "</\(tag)>").count, "<\(tag)> balanced")
        }
    }
}
