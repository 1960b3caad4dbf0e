import Foundation
import Testing
@testable import AudioIO
import G711
@testable import PromptKit

@Suite("promptc convert, end to end")
struct ConvertTests {
    @Test("matches the ffmpeg command's output: SNR >= 25 dB after alignment, the same length", arguments: [
        "speech/speech-44k-cbr128.mp3", "speech/speech-44k-stereo.wav", "speech/speech-16k-mono.wav", "speech/speech-48k-abr.mp3",
    ])
    func againstFFmpeg(input: String) throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let base = URL(fileURLWithPath: input).deletingPathExtension().lastPathComponent
        for (ext, law) in [("alaw", G711Law.aLaw), ("ulaw", .muLaw)] {
            let out = dir.appendingPathComponent("out.\(ext)").path
            _ = try Converter.convert(input: fixture(input), outputs: [try OutputTarget(path: out)])
            let ours = law.decodeToFloat([UInt8](try Data(contentsOf: URL(fileURLWithPath: out))))
            let theirs = law.decodeToFloat([UInt8](try Data(contentsOf: URL(fileURLWithPath: fixture("reference/\(base).ffmpeg.\(ext)")))))
            let (lag, snr) = alignedSNR(ours, theirs)
            #expect(snr >= 25, "\(input) \(ext): SNR \(snr) dB at lag \(lag)")
            #expect(ours.count == theirs.count, "\(ours.count) samples; the ffmpeg command made \(theirs.count)")
        }
    }

    @Test("codec siblings of one input: G.722 lags its .sln16 sibling by the codec's own 22 samples, GSM and G.729 last the .alaw's duration to the frame")
    func codecSiblings() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let formats: [PromptFormat] = [.g722, .sln16, .gsm, .g729, .alaw]
        let outputs = formats.map { OutputTarget(path: dir.appendingPathComponent("p.\($0.fileExtension)").path, format: $0) }
        _ = try Converter.convert(input: fixture("speech/speech-44k-stereo.wav"), outputs: outputs)
        let wide = try decodeMono(outputs[1].path).samples, g722 = try decodeMono(outputs[0].path).samples
        #expect(g722.count == wide.count)
        func correlation(_ lag: Int) -> Double {
            var s = 0.0
            for i in 0..<(wide.count - lag) { s += Double(wide[i]) * Double(g722[i + lag]) }
            return s
        }
        #expect((0..<64).max { correlation($0) < correlation($1) } == 22)
        let narrow = try decodeMono(outputs[4].path).samples.count
        for (k, frame) in [(2, 160), (3, 80)] {
            #expect(try decodeMono(outputs[k].path).samples.count == (narrow + frame - 1) / frame * frame)
        }
    }

    @Test("8 kHz mono 16-bit input is bit-transparent: the ITU ramp gives exactly the G.191 codes")
    func identity() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let ramp = (0..<65536).map { Int16(truncatingIfNeeded: $0 - 32768) }
        let wav = dir.appendingPathComponent("ramp.wav").path
        try writeWAV(wav, samples: ramp, rate: 8000)
        for (ext, ref) in [("alaw", "alaw-encode.bin"), ("ulaw", "ulaw-encode.bin")] {
            let out = dir.appendingPathComponent("ramp.\(ext)").path
            _ = try Converter.convert(input: wav, outputs: [try OutputTarget(path: out)])
            #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == Data(contentsOf: fixtures.appendingPathComponent("reference/g711/\(ref)")))
        }
        let sln = dir.appendingPathComponent("ramp.sln").path
        _ = try Converter.convert(input: wav, outputs: [try OutputTarget(path: sln)])
        #expect(try Data(contentsOf: URL(fileURLWithPath: sln)) == Data(contentsOf: URL(fileURLWithPath: wav)).dropFirst(44))
    }

    @Test("one decode, every format: lengths, WAV headers, MP3 listening copy")
    func allFormats() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let names = ["p.alaw", "p.ulaw", "p.sln", "p.sln16", "p.wav", "p.wav16", "p.mp3", "p.al", "p.mu", "p.slin"]
        let targets = try names.map { try OutputTarget(path: dir.appendingPathComponent($0).path) }
        let report = try Converter.convert(input: fixture("speech/speech-44k-vbr.mp3"), outputs: targets)
        #expect(report.inputFrames == 176_400)
        let n8 = 32000, n16 = 64000
        func size(_ n: String) throws -> Int { try Data(contentsOf: dir.appendingPathComponent(n)).count }
        #expect(try size("p.alaw") == n8 && size("p.ulaw") == n8 && size("p.al") == n8 && size("p.mu") == n8)
        #expect(try size("p.sln") == 2 * n8 && size("p.slin") == 2 * n8 && size("p.sln16") == 2 * n16)
        #expect(try size("p.wav") == 44 + 2 * n8 && size("p.wav16") == 44 + 2 * n16)
        let wav = try AudioDecoder.open(dir.appendingPathComponent("p.wav").path)
        #expect(wav.sampleRate == 8000 && wav.channels == 1 && wav.frameCount == n8 && wav.formatDescription.hasPrefix("WAV (16-bit PCM"))
        let wav16 = try AudioDecoder.open(dir.appendingPathComponent("p.wav16").path)
        #expect(wav16.sampleRate == 16000 && wav16.frameCount == n16)
        let mp3 = try decodeMono(dir.appendingPathComponent("p.mp3").path)
        #expect(mp3.rate == 8000 && mp3.samples.count == n8)
        let alaw = G711Law.aLaw.decodeToFloat([UInt8](try Data(contentsOf: dir.appendingPathComponent("p.alaw"))))
        #expect(alignedSNR(mp3.samples, alaw, maxLag: 10).snr > 15, "the MP3 copy sounds like the A-law prompt")
        // Both laws and the linear output hold the same audio.
        let sln = try decodeMono(dir.appendingPathComponent("p.sln").path).samples
        #expect(alignedSNR(alaw, sln, maxLag: 0).snr > 30)
    }

    @Test("an existing output is kept without --overwrite; a failure leaves nothing behind")
    func overwriteAndAtomicity() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("x.alaw").path
        try Data([1, 2, 3]).write(to: URL(fileURLWithPath: out))
        #expect(throws: AudioIOError.self) { try Converter.convert(input: fixture("speech/speech-8k-mono.wav"), outputs: [try OutputTarget(path: out)]) }
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)) == Data([1, 2, 3]))
        var o = ConversionOptions(); o.overwrite = true
        _ = try Converter.convert(input: fixture("speech/speech-8k-mono.wav"), outputs: [try OutputTarget(path: out)], options: o)
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)).count == 32000)
        // A bad input after a good output was opened: neither the new file nor a temporary remains.
        let fresh = dir.appendingPathComponent("y.alaw").path
        #expect(throws: AudioIOError.self) { try Converter.convert(input: fixture("bad/random.mp3"), outputs: [try OutputTarget(path: fresh)]) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == ["x.alaw"])
    }

    @Test("NaN and infinite samples are replaced and reported; overs are counted")
    func guards() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("n.sln").path
        let r = try Converter.convert(input: fixture("bad/nan-inf.wav"), outputs: [try OutputTarget(path: out)])
        #expect(r.nonFinite == 20)
        #expect(r.warnings.contains(.nonFinite(samples: 20)))
        let loud = dir.appendingPathComponent("loud.wav").path
        // A full-scale square wave overshoots after band-limiting (Gibbs): overs must be reported.
        try writeWAV(loud, samples: (0..<44100).map { ($0 / 50) % 2 == 0 ? 32767 : -32768 }, rate: 44100)
        let r2 = try Converter.convert(input: loud, outputs: [try OutputTarget(path: dir.appendingPathComponent("l.alaw").path)])
        #expect(r2.overs > 0 && r2.warnings.contains { if case .clipped(r2.overs, _) = $0 { true } else { false } })
    }

    @Test("--channel picks one channel")
    func channelPick() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let stereo = dir.appendingPathComponent("lr.wav").path
        let left = tone(500, rate: 8000, seconds: 0.5, dBFS: -6), right = tone(1500, rate: 8000, seconds: 0.5, dBFS: -20)
        try writeWAV(stereo, samples: zip(left, right).flatMap { [$0, $1] }, rate: 8000, channels: 2)
        for (c, expected) in [(1, left), (2, right)] {
            var o = ConversionOptions(); o.channel = c
            let out = dir.appendingPathComponent("c\(c).sln").path
            _ = try Converter.convert(input: stereo, outputs: [try OutputTarget(path: out)], options: o)
            #expect(try decodeMono(out).samples == expected.map { Float($0) / 32768 })
        }
        var bad = ConversionOptions(); bad.channel = 3
        #expect(throws: ConversionError.self) { try Converter.convert(input: stereo, outputs: [try OutputTarget(path: dir.appendingPathComponent("c3.sln").path)], options: bad) }
    }

    @Test("MP3 fast path (mono mix, reduced-rate synthesis) keeps the output within 0.1 dB of the full path", arguments: [
        ("speech/speech-44k-cbr128.mp3", "speech/speech-44k-stereo.wav"), ("music/music-44k-cbr128.mp3", nil),
        ("speech/speech-48k-abr.mp3", nil), ("sample/welcome.mp3", nil),
    ])
    func fastPath(mp3: String, original: String?) throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        func convert(_ fast: Bool, _ ext: String) throws -> [Float] {
            var o = ConversionOptions(); o.decoderFastPath = fast
            let out = dir.appendingPathComponent("\(fast)-\(UUID().uuidString).\(ext)").path
            _ = try Converter.convert(input: fixture(mp3), outputs: [try OutputTarget(path: out)], options: o)
            return try decodeMono(out).samples
        }
        let fullSLN = try convert(false, "sln"), fastSLN = try convert(true, "sln")
        let linear = alignedSNR(fastSLN, fullSLN, maxLag: 2)
        #expect(linear.lag == 0, "aligned: the reduced-rate delay is compensated")
        #expect(linear.snr > 50, "fast vs full at 8 kHz before G.711: \(linear.snr) dB")
        // What callers hear: the A-law prompt's SNR against the ideal 8 kHz signal.
        let ideal = original.map { try? decodeMono(fixture($0)) } ?? nil
        let reference = try ideal.map { _ -> [Float] in
            let out = dir.appendingPathComponent("ideal.sln").path
            _ = try Converter.convert(input: fixture(original!), outputs: [try OutputTarget(path: out)])
            return try decodeMono(out).samples
        } ?? fullSLN
        let full = alignedSNR(try convert(false, "alaw"), reference, maxLag: 0).snr
        let fast = alignedSNR(try convert(true, "alaw"), reference, maxLag: 0).snr
        print("fast path \(mp3): fast vs full (sln) \(String(format: "%.1f", linear.snr)) dB; A-law vs \(original == nil ? "full-path sln" : "original") full \(String(format: "%.2f", full)) dB, fast \(String(format: "%.2f", fast)) dB")
        #expect(abs(full - fast) <= 0.1)
    }

    @Test("one length rule: every output lasts the input's duration at its rate, rounded, whatever else is asked for")
    func oneLengthRule() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        var mismatches: [String] = []
        // Gapless MP3s of known lengths (LAME tag): the fast path (8 kHz outputs only)
        // decodes them at a quarter of the rate, the full path when a 16 kHz output is added.
        for frames in 88_200..<88_230 {
            let mp3 = dir.appendingPathComponent("n\(frames).mp3").path
            let x = (0..<frames).map { Float(0.3 * sin(2 * Double.pi * 330 * Double($0) / 44100)) }
            let w = try MP3Writer(file: try OutputFile(path: mp3, overwrite: true), sampleRate: 44100, companding: false)
            try x.withUnsafeBufferPointer { try w.write($0) }
            try w.finish()
            let n8 = (frames * 8000 * 2 + 44100) / (2 * 44100), n16 = (frames * 16000 * 2 + 44100) / (2 * 44100)
            let alone = dir.appendingPathComponent("a.alaw").path, both = dir.appendingPathComponent("b.alaw").path
            let wide = dir.appendingPathComponent("b.sln16").path
            var o = ConversionOptions(); o.overwrite = true
            _ = try Converter.convert(input: mp3, outputs: [OutputTarget(path: alone, format: .alaw)], options: o)
            _ = try Converter.convert(input: mp3, outputs: [OutputTarget(path: both, format: .alaw), OutputTarget(path: wide, format: .sln16)], options: o)
            let sizes = try [alone, both, wide].map { try Data(contentsOf: URL(fileURLWithPath: $0)).count }
            if sizes != [n8, n8, 2 * n16] { mismatches.append("\(frames) frames: \(sizes) for \([n8, n8, 2 * n16])") }
        }
        #expect(mismatches.isEmpty, "\(mismatches)")
    }

    @Test("standard output can be named once")
    func standardOutputOnce() throws {
        let r = try runPromptc(["convert", fixture("speech/speech-8k-mono.wav"), "-o", "-", "-o", "-", "--format", "alaw"])
        #expect(r.status == 2 && r.stdout.isEmpty && r.stderr.contains("Standard output (-o -) can take one output"), "\(r.stderr)")
        #expect(throws: ConversionError.self) {
            _ = try Converter.convert(input: fixture("speech/speech-8k-mono.wav"),
                                      outputs: [OutputTarget(path: "-", format: .alaw), OutputTarget(path: "-", format: .ulaw)])
        }
    }

    @Test("Asterisk's slin family, 12 to 192 kHz: length by the rule, a 1 kHz tone at its level, read back by extension", arguments: [
        ("sln12", 12000), ("sln24", 24000), ("sln32", 32000), ("sln44", 44100), ("sln48", 48000), ("sln96", 96000), ("sln192", 192000),
    ])
    func slinFamily(ext: String, rate: Int) throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let wav = dir.appendingPathComponent("tone.wav").path
        let frames = 48000 + 17                                   // not a whole number of output samples at most rates
        try writeWAV(wav, samples: tone(1000, rate: 48000, seconds: Double(frames) / 48000, dBFS: -20), rate: 48000)
        let out = dir.appendingPathComponent("t.\(ext)").path
        _ = try Converter.convert(input: wav, outputs: [try OutputTarget(path: out)])
        let expected = (frames * rate * 2 + 48000) / (2 * 48000)
        let decoded = try decodeMono(out)
        #expect(decoded.rate == rate && decoded.samples.count == expected, "\(decoded.samples.count) samples at \(decoded.rate) Hz")
        // The tone's level away from the edges: a sine at -20 dBFS peak has an RMS of -23.01 dBFS.
        let level = rmsDB(decoded.samples[(rate / 4)..<(rate * 3 / 4)])
        #expect(abs(level - (-20 - 10 * log10(2))) < 0.05, "\(level) dB")
    }
}

@Suite("The command line")
struct CommandLineTests {
    @Test("every --help fits 80 columns, wraps its prose cleanly, and prints each default once")
    func helpReadsWell() throws {
        for command in [[], ["convert"], ["batch"], ["install"], ["uninstall"], ["doctor"], ["verify"], ["info"], ["play"]] {
            let r = try runPromptc(command + ["--help"])
            let text = String(decoding: r.stdout, as: UTF8.self)
            let name = command.first ?? "promptc"
            #expect(r.status == 0 && text.contains("USAGE:"), "\(name)")
            let lines = text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init)
            for (i, line) in lines.enumerated() {
                #expect(line.count <= 80, "\(name) --help: \(line.count) columns: \(line)")
                // A hard-wrapped source line rewrapped by the parser leaves a short stub
                // followed by more prose: "mirrored under OUTDIR,\none\nfile per format".
                if i + 1 < lines.count, !line.hasPrefix(" "), !line.isEmpty, line.count < 40, !line.hasSuffix(":"),
                   let next = lines[i + 1].first, next.isLowercase {
                    Issue.record("\(name) --help: a broken line '\(line)' before '\(lines[i + 1])'")
                }
            }
            // One option's help (up to the next option) names its default at most once.
            let options = text.components(separatedBy: "\n  -")
            for o in options where o.components(separatedBy: "(default").count > 2 {
                Issue.record("\(name) --help: two defaults in '-\(o.prefix(60))'")
            }
        }
    }

    @Test("a 1 kHz tone at -6 dBFS keeps its level within 0.1 dB; a 5 kHz tone ends below -90 dBFS", arguments: [44100, 48000, 22050])
    func tones(rate: Int) throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        for (f, check) in [(1000.0, "level"), (5000.0, "gone")] {
            let wav = dir.appendingPathComponent("t\(Int(f)).wav").path
            try writeWAV(wav, samples: tone(f, rate: rate, seconds: 1, dBFS: -6, channels: 2), rate: rate, channels: 2)
            let out = dir.appendingPathComponent("t\(Int(f)).sln").path
            let r = try runPromptc(["convert", wav, "-o", out])
            #expect(r.status == 0, "\(r.stderr)")
            let y = try decodeMono(out).samples
            let level = rmsDB(y[800..<(y.count - 800)]) + 3.0103   // RMS of a sine is peak - 3.01 dB
            if check == "level" { #expect(abs(level - -6) <= 0.1, "\(level) dBFS") }
            else { #expect(level < -90, "5 kHz leaks at \(level) dBFS") }
        }
    }

    /// The same through MP3 and its fast path (mono mix, quarter-rate synthesis): the
    /// decoder's shortcut must neither change the level nor let tones above 4 kHz through.
    /// (LAME itself leaves the 1 kHz tone 0.45 dB low, so the level is compared with the
    /// full-rate stereo path's.)
    @Test("MP3 fast path: a 1 kHz tone keeps the full path's level within 0.1 dB; 4.5, 5 and 8 kHz tones end below -90 dBFS")
    func mp3Tones() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        func level(_ f: Int, _ extra: [String]) throws -> Double {
            let out = dir.appendingPathComponent("t\(f)\(extra.count).sln").path
            let r = try runPromptc(["convert", fixture("tones/tone-\(f)-44k.mp3"), "-o", out] + extra)
            #expect(r.status == 0, "\(r.stderr)")
            let y = try decodeMono(out).samples
            return rmsDB(y[800..<(y.count - 800)]) + 3.0103
        }
        let full = try level(1000, ["--no-fast-path"]), fast = try level(1000, [])
        #expect(abs(full - -6.02) < 0.6 && abs(fast - full) <= 0.1, "fast \(fast) dBFS, full path \(full) dBFS")
        for f in [4500, 5000, 8000] {
            let l = try level(f, [])
            #expect(l < -90, "\(f) Hz leaks at \(l) dBFS")
        }
    }

    @Test("the ffmpeg command works as written and gives the same bytes as convert")
    func ffmpegDropIn() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let input = fixture("speech/speech-44k-cbr128.mp3")
        let a = dir.appendingPathComponent("a.alaw").path, b = dir.appendingPathComponent("b.alaw").path
        #expect(try runPromptc(["-i", input, "-acodec", "pcm_alaw", "-f", "alaw", "-ac", "1", "-ar", "8000", "-vn", a]).status == 0)
        #expect(try runPromptc(["convert", input, "-o", b]).status == 0)
        #expect(try Data(contentsOf: URL(fileURLWithPath: a)) == Data(contentsOf: URL(fileURLWithPath: b)))
        // Without -y an existing output is an error, as with ffmpeg -n.
        let again = try runPromptc(["-hide_banner", "-loglevel", "error", "-nostdin", "-i", input, "-c:a", "pcm_alaw", "-f", "alaw", a])
        #expect(again.status == 1 && again.stderr.contains("already exists") && again.stderr.contains("-y") && !again.stderr.contains("--overwrite"))
        #expect(try runPromptc(["-y", "-i", input, "-codec:a", "pcm_mulaw", "-f", "mulaw", "-ar", "8000", "-ac", "1", dir.appendingPathComponent("a.ulaw").path]).status == 0)
        // mu-law into a file named .alaw: refused, naming the extension that fits.
        let misnamed = try runPromptc(["-y", "-i", input, "-codec:a", "pcm_mulaw", "-f", "mulaw", a])
        #expect(misnamed.status == 2 && misnamed.stderr.contains("use a.ulaw"))
        let wrong = try runPromptc(["-i", input, "-metadata", "title=x", a])
        #expect(wrong.status == 2 && wrong.stderr.contains("unsupported ffmpeg option -metadata") && wrong.stderr.contains("-acodec"))
    }

    @Test("standard input to standard output")
    func pipes() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let input = fixture("speech/speech-44k-vbr.mp3")
        let file = dir.appendingPathComponent("f.ulaw").path
        #expect(try runPromptc(["convert", input, "-o", file]).status == 0)
        let r = try runPromptc(["convert", "-", "-o", "-", "--format", "ulaw"], stdin: try Data(contentsOf: URL(fileURLWithPath: input)))
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout == (try Data(contentsOf: URL(fileURLWithPath: file))))
    }

    @Test("bad input: one line naming the file, non-zero exit, no output file")
    func badInput() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        for bad in ["bad/empty.wav", "bad/random.mp3", "bad/notes.wav", "bad/absurd-rate.wav", "bad/absurd-channels.wav", "bad"] {
            let r = try runPromptc(["convert", fixture(bad), "-o", dir.appendingPathComponent("o.alaw").path])
            #expect(r.status == 1, "\(bad)")
            #expect(r.stderr.hasPrefix("promptc: \(fixture(bad)): ") && r.stderr.split(separator: "\n").count == 1, "\(r.stderr)")
        }
        let t = try runPromptc(["convert", fixture("bad/truncated.mp3"), "-o", dir.appendingPathComponent("t.alaw").path])
        #expect(t.status == 0 && t.stderr.contains("warning") && t.stderr.contains("truncated"))
        let strict = try runPromptc(["convert", "--strict", fixture("bad/truncated.wav"), "-o", dir.appendingPathComponent("s.alaw").path])
        #expect(strict.status == 1 && strict.stderr.contains("truncated"))
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["t.alaw"])
        let usage = try runPromptc(["convert", fixture("speech/speech-8k-mono.wav"), "-o", dir.appendingPathComponent("x.flac").path])
        #expect(usage.status == 2 && usage.stderr.contains(".alaw"))
    }

    @Test("an interrupted conversion leaves no partial file (SIGTERM and SIGINT to a real child)", arguments: [SIGTERM, SIGINT])
    func interrupt(signal: Int32) throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let p = Process()
        p.executableURL = URL(fileURLWithPath: promptcBinary)
        p.arguments = ["convert", "-", "-o", dir.appendingPathComponent("slow.alaw").path, "--raw-format", "s16le", "--raw-rate", "8000"]
        let inp = Pipe()
        p.standardInput = inp
        p.standardError = FileHandle.nullDevice
        try p.run()
        // Feed half a minute of audio, then keep the pipe open: promptc is mid-conversion.
        inp.fileHandleForWriting.write(Data(count: 8000 * 2 * 30))
        var inPlace = false
        for _ in 0..<250 where !inPlace {      // up to 5 s on a loaded machine
            Thread.sleep(forTimeInterval: 0.02)
            inPlace = (try? FileManager.default.contentsOfDirectory(atPath: dir.path))?.contains { $0.hasPrefix(".slow.alaw.promptc-") } ?? false
        }
        #expect(inPlace, "temporary file in place")
        kill(p.processIdentifier, signal)
        p.waitUntilExit()
        try? inp.fileHandleForWriting.close()
        #expect(p.terminationReason == .uncaughtSignal)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).isEmpty)
    }
}

@Suite("ffmpeg command line grammar")
struct FFmpegGrammarTests {
    @Test func variants() throws {
        let c = try FFmpegCommand.parse(["-i", "in.mp3", "-acodec", "pcm_alaw", "-f", "alaw", "-ac", "1", "-ar", "8000", "-vn", "out.alaw"])
        #expect(c.input == "in.mp3" && c.output == OutputTarget(path: "out.alaw", format: .alaw) && !c.overwrite)
        #expect(try FFmpegCommand.parse(["-y", "-i", "a", "-c:a", "pcm_mulaw", "-f", "mulaw", "b"]).output.format == .ulaw)
        #expect(try FFmpegCommand.parse(["-i", "a", "-f", "s16le", "-ar", "16000", "b.sln16"]).output.format == .sln16)
        #expect(try FFmpegCommand.parse(["-i", "a", "-f", "s16le", "-ar", "16k", "b.sln16"]).output.format == .sln16)
        // Two inputs: refused (ffmpeg would take the first without -map; promptc took the last).
        #expect(throws: ConversionError.self) { try FFmpegCommand.parse(["-i", "a.mp3", "-i", "b.mp3", "-f", "alaw", "c.alaw"]) }
        // pipe:0 / pipe: are standard input, pipe:1 / pipe: standard output.
        let piped = try FFmpegCommand.parse(["-i", "pipe:0", "-f", "alaw", "pipe:1"])
        #expect(piped.input == "-" && piped.output.path == "-" && piped.output.format == .alaw)
        #expect(try FFmpegCommand.parse(["-i", "pipe:", "-f", "mulaw", "pipe:"]).output.path == "-")
        #expect(try FFmpegCommand.parse(["-i", "a", "-f", "alaw", "-ar", "8k", "b.alaw"]).output.format == .alaw)
        #expect(throws: ConversionError.self) { try FFmpegCommand.parse(["-i", "a", "-f", "alaw", "-ar", "8kHz", "b.alaw"]) }
        #expect(throws: ConversionError.self) { try FFmpegCommand.parse(["-i", "a", "-f", "s16le", "-ar", "16000", "b.raw"]) }
        #expect(try FFmpegCommand.parse(["-i", "a", "-f", "s16le", "b.raw"]).output.format == .sln)
        #expect(try FFmpegCommand.parse(["-i", "a", "-acodec", "pcm_s16le", "-ar", "16000", "b.wav16"]).output.format == .wav16)
        #expect(throws: ConversionError.self) { try FFmpegCommand.parse(["-i", "a", "-acodec", "pcm_s16le", "-ar", "16000", "b.wav"]) }
        #expect(try FFmpegCommand.parse(["-i", "a", "b.ulaw"]).output.format == .ulaw)
        #expect(try FFmpegCommand.parse(["-loglevel", "quiet", "-i", "a", "-codec:a", "pcm_alaw", "-f", "alaw", "b"]).quiet)
        let raw = try FFmpegCommand.parse(["-f", "alaw", "-ar", "8000", "-i", "in.raw", "out.wav"])
        #expect(raw.rawInput == RawFormat(encoding: .alaw, sampleRate: 8000) && raw.output.format == .wav)
        for bad in [["-i", "a", "-ac", "2", "b.alaw"], ["-i", "a", "-ar", "44100", "b.alaw"], ["-i", "a", "-ar", "16000", "-f", "alaw", "b"],
                    ["-i", "a", "-f", "wav", "-acodec", "pcm_alaw", "b.wav"], ["-i", "a"], ["-i", "a", "b", "c"], ["-i", "a", "-ss", "three", "b.alaw"],
                    ["-i", "a", "-async", "1", "b.alaw"], ["-i", "a", "-ss", "5", "-to", "4", "b.alaw"], ["-i", "a", "-t", "1:75", "b.alaw"]] {
            #expect(throws: ConversionError.self, "\(bad)") { try FFmpegCommand.parse(bad) }
        }
        // -ss, -t and -to take seconds or [HH:]MM:SS[.mmm]; -t wins over -to, as in ffmpeg.
        let cut = try FFmpegCommand.parse(["-ss", "00:00:01.5", "-i", "a", "-t", "2", "b.alaw"])
        #expect(cut.start == 1.5 && cut.duration == 2)
        let to = try FFmpegCommand.parse(["-i", "a", "-ss", "1:02", "-to", "0:01:05.25", "b.alaw"])
        #expect(to.start == 62 && to.duration == 3.25)
        #expect(FFmpegCommand.matches(["-i", "x", "y"]) && FFmpegCommand.matches(["-y", "-i", "x", "y"]))
        #expect(!FFmpegCommand.matches(["convert", "-i", "x"]) && !FFmpegCommand.matches(["--help"]))
    }
}
