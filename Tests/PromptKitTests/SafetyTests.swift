import Foundation
import Testing
@testable import AudioIO
@testable import PromptKit

/// Issue 13's reproduced cases: each failed before its fix.
@Suite("safe next to a live PBX")
struct SafetyTests {
    @Test("folder walks enter a folder once: two links to '.' neither loop nor duplicate; big folders list every entry")
    func folderWalks() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        try Data([1]).write(to: dir.appendingPathComponent("a.wav"))
        try FileManager.default.createDirectory(at: dir.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try Data([1]).write(to: dir.appendingPathComponent("sub/b.wav"))
        #expect(symlink(".", dir.appendingPathComponent("loop1").path) == 0)
        #expect(symlink("..", dir.appendingPathComponent("sub/up").path) == 0)
        #expect(FileTree.list(dir.path) == ["a.wav", "sub/b.wav"])
        let big = dir.appendingPathComponent("big")
        try FileManager.default.createDirectory(at: big, withIntermediateDirectories: true)
        for i in 0..<1500 { try Data().write(to: big.appendingPathComponent(String(repeating: "n", count: 40 + i % 200) + "\(i)")) }
        #expect(FileTree.list(big.path).count == 1500)
    }

    @Test("names: a leading '-', controls, invisible and direction-changing characters, invalid UTF-8 and '&' are refused", arguments: [
        "-rf", "a\u{85}b", "line\u{2028}break", "zero\u{200B}width", "evil\u{202E}gnp.exe", "bad\u{FFFD}byte", "a&b", "sub/-x",
    ])
    func hostileNames(name: String) {
        let what = name.contains("/") ? "subdir" : "name"
        #expect(PromptName.problem(name, what: what) != nil, "\(name.unicodeScalars.map { String($0.value, radix: 16) })")
        #expect(PromptName.problem(PromptName.suggest(name)) == nil, "the suggestion is safe")
    }

    @Test("--owner takes numbers and a group alone")
    func numericOwner() throws {
        var o = InstallOptions(soundsDir: "/nonexistent")
        o.owner = "65534:65534"
        let (u, g) = try PromptInstaller(options: o).owner()
        #expect(u == 65534 && g == 65534)
        o.owner = ":65533"
        let (u2, g2) = try PromptInstaller(options: o).owner()
        #expect(u2 == nil && g2 == 65533)
        o.owner = ":"
        #expect(throws: ConversionError.self) { _ = try PromptInstaller(options: o).owner() }
    }

    @Test("an output name of 255 bytes works (the temporary name is never longer than the limit)")
    func longOutputName() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let name = String(repeating: "p", count: 250) + ".alaw"
        let out = dir.appendingPathComponent(name).path
        _ = try Converter.convert(input: fixture("speech/speech-8k-mono.wav"), outputs: [OutputTarget(path: out, format: .alaw)])
        #expect(try Data(contentsOf: URL(fileURLWithPath: out)).count == 32000)
    }

    @Test("an input that decodes to nothing is an error and writes nothing")
    func emptyResult() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let wav = dir.appendingPathComponent("empty.wav").path
        try writeWAV(wav, samples: [], rate: 44100)
        let out = dir.appendingPathComponent("e.alaw").path
        #expect(throws: AudioIOError.self) { _ = try Converter.convert(input: wav, outputs: [OutputTarget(path: out, format: .alaw)]) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path) == ["empty.wav"])
    }

    @Test("absurd float samples (1e30) stay local instead of ringing through the filters")
    func absurdSamples() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        // A 1 kHz tone at -20 dBFS, 44.1 kHz float, with 30 samples of 1e30 spread over 2 s.
        var x = (0..<88200).map { Float(0.1 * sin(2 * Double.pi * 1000 * Double($0) / 44100)) }
        for k in 0..<30 { x[1000 + k * 2900] = k % 2 == 0 ? 1e30 : -1e30 }
        let wav = dir.appendingPathComponent("f.wav").path
        try writeFloatWAV(wav, samples: x, rate: 44100)
        let out = dir.appendingPathComponent("f.sln").path
        let r = try Converter.convert(input: wav, outputs: [OutputTarget(path: out, format: .sln)])
        #expect(r.nonFinite == 30)
        let y = try Data(contentsOf: URL(fileURLWithPath: out)).withUnsafeBytes { Array($0.bindMemory(to: Int16.self)) }
        let loud = y.filter { abs(Int($0)) > 16384 }.count
        #expect(loud * 100 < y.count, "\(loud) of \(y.count) samples above -6 dBFS")
    }

    @Test("an MP3 named .alaw is read as the MP3 it is, and the .alaw content check names it")
    func mp3NamedALaw() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let disguised = dir.appendingPathComponent("prompt.alaw").path
        try FileManager.default.copyItem(atPath: fixture("speech/speech-44k-cbr128.mp3"), toPath: disguised)
        let a = dir.appendingPathComponent("a.sln").path, b = dir.appendingPathComponent("b.sln").path
        _ = try Converter.convert(input: disguised, outputs: [OutputTarget(path: a, format: .sln)])
        _ = try Converter.convert(input: fixture("speech/speech-44k-cbr128.mp3"), outputs: [OutputTarget(path: b, format: .sln)])
        #expect(try Data(contentsOf: URL(fileURLWithPath: a)) == Data(contentsOf: URL(fileURLWithPath: b)))
        guard case .otherFormatInRawFile? = try PromptFormat.alaw.spec.problem(at: disguised) else {
            Issue.record("the .alaw check does not see the MP3"); return
        }
        // Real A-law prompts stay raw A-law.
        #expect(try PromptFormat.alaw.spec.problem(at: fixture("reference/speech-44k-cbr128.ffmpeg.alaw")) == nil)
    }

    @Test("an MP3 whose rate changes in mid-stream is the same error on the fast and the full path")
    func rateChangeOnBothPaths() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        var joined = Data()
        for (rate, seconds) in [(44100, 2.0), (16000, 2.0)] {
            let part = dir.appendingPathComponent("part\(rate).mp3").path
            let x = (0..<Int(Double(rate) * seconds)).map { Float(0.3 * sin(2 * Double.pi * 440 * Double($0) / Double(rate))) }
            let w = try MP3Writer(file: try OutputFile(path: part, overwrite: true), sampleRate: rate, companding: false)
            try x.withUnsafeBufferPointer { try w.write($0) }
            try w.finish()
            joined.append(try Data(contentsOf: URL(fileURLWithPath: part)))
        }
        let mp3 = dir.appendingPathComponent("joined.mp3").path
        try joined.write(to: URL(fileURLWithPath: mp3))
        for fast in [true, false] {
            var o = ConversionOptions(); o.decoderFastPath = fast; o.overwrite = true
            #expect {
                _ = try Converter.convert(input: mp3, outputs: [OutputTarget(path: dir.appendingPathComponent("o.alaw").path, format: .alaw)], options: o)
            } throws: { ($0 as? AudioIOError)?.kind == .formatChange }
            #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("o.alaw").path))
        }
        // From the command line, from a file and from a pipe: promptc's one line, nothing
        // of libmpg123's own ("Unable to set up output format!" at 16000 / 4 Hz).
        for stdin in [nil, joined] {
            let r = try runPromptc(["convert", stdin == nil ? mp3 : "-", "-o", dir.appendingPathComponent("c.alaw").path], stdin: stdin)
            #expect(r.status != 0)
            let lines = r.stderr.split(separator: "\n")
            #expect(lines.count == 1 && lines[0].hasPrefix("promptc: ") && lines[0].contains("16000 Hz"), "\(r.stderr)")
        }
    }

    @Test("an MP3 replaced or deleted while its segments decode is still the file that was opened")
    func replacedInput() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let path = dir.appendingPathComponent("in.mp3").path
        try FileManager.default.copyItem(atPath: fixture("sample/welcome.mp3"), toPath: path)
        let expected = try decodeMono(fixture("sample/welcome.mp3")).samples
        let hints = MP3DecodeHints(threads: 2, segmentFrames: 16)
        let source = try MP3Source(bytes: ByteSource(path: path), hints: hints)
        #expect(source.decodesInSegments)
        // Replace the file under its name, then delete it: the workers start on the first read.
        let other = dir.appendingPathComponent("other.mp3").path
        try FileManager.default.copyItem(atPath: fixture("speech/speech-44k-cbr128.mp3"), toPath: other)
        #expect(rename(other, path) == 0)
        #expect(unlink(path) == 0)
        var got: [Float] = []
        var buffer = [Float](repeating: 0, count: 4096 * source.channels)
        while true {
            let n = try buffer.withUnsafeMutableBufferPointer { try source.read(into: $0.baseAddress!, frames: 4096) }
            if n == 0 { break }
            for f in 0..<n { got.append((0..<source.channels).map { buffer[f * source.channels + $0] }.reduce(0, +) / Float(source.channels)) }
        }
        #expect(got == expected)
    }

    @Test("two batch runs into one folder: the second refuses at once; installs into one sounds folder take turns")
    func folderLocks() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: out, withIntermediateDirectories: true)
        let held = try FolderLock(folder: out.path, wait: false)
        let r = try runPromptc(["batch", fixture("speech/speech-8k-mono.wav"), "-o", out.path])
        #expect(r.status != 0 && r.stderr.contains("another promptc is writing into this folder"), "\(r.stderr)")
        held.release()
        #expect(try runPromptc(["batch", fixture("speech/speech-8k-mono.wav"), "-o", out.path]).status == 0)
        // An install waits for the lock, then completes.
        let sounds = dir.appendingPathComponent("sounds")
        try FileManager.default.createDirectory(at: sounds, withIntermediateDirectories: true)
        let lock = try FolderLock(folder: sounds.path, wait: false)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: promptcBinary)
        p.arguments = ["install", fixture("speech/speech-16k-mono.wav"), "--name", "hello", "--sounds-dir", sounds.path, "--formats", "alaw"]
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        Thread.sleep(forTimeInterval: 0.5)
        #expect(p.isRunning, "the install waits while the folder is locked")
        #expect(!FileManager.default.fileExists(atPath: sounds.path + "/en/custom/hello.alaw"))
        lock.release()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0 && FileManager.default.fileExists(atPath: sounds.path + "/en/custom/hello.alaw"))
    }

    @Test("install and uninstall stay inside the real sounds folder: a linked en/custom is refused, not written or emptied through")
    func installThroughLinks() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let sounds = dir.appendingPathComponent("sounds"), elsewhere = dir.appendingPathComponent("elsewhere")
        try FileManager.default.createDirectory(at: sounds.appendingPathComponent("en"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: elsewhere, withIntermediateDirectories: true)
        #expect(symlink(elsewhere.path, sounds.appendingPathComponent("en/custom").path) == 0)
        var o = InstallOptions(soundsDir: sounds.path); o.owner = nil; o.formats = [.alaw]
        #expect(throws: ConversionError.self) { _ = try PromptInstaller(options: o).install([fixture("speech/speech-16k-mono.wav")]) }
        #expect(try FileManager.default.contentsOfDirectory(atPath: elsewhere.path).isEmpty)
        // A link inside the tree (Debian's en -> en_US_f_Allison) is fine.
        try FileManager.default.removeItem(at: sounds.appendingPathComponent("en/custom"))
        try FileManager.default.createDirectory(at: sounds.appendingPathComponent("en_US/custom"), withIntermediateDirectories: true)
        #expect(symlink(sounds.appendingPathComponent("en_US/custom").path, sounds.appendingPathComponent("en/custom").path) == 0)
        _ = try PromptInstaller(options: o).install([fixture("speech/speech-16k-mono.wav")])
        #expect(FileManager.default.fileExists(atPath: sounds.path + "/en_US/custom/speech-16k-mono.alaw"))
        // The folder becomes a link to elsewhere, holding a file of the same name: uninstall refuses.
        try FileManager.default.removeItem(at: sounds.appendingPathComponent("en/custom"))
        try Data([7]).write(to: elsewhere.appendingPathComponent("speech-16k-mono.alaw"))
        #expect(symlink(elsewhere.path, sounds.appendingPathComponent("en/custom").path) == 0)
        let result = try PromptInstaller(options: o).uninstall(["speech-16k-mono"])
        #expect(result.failures.count == 1 && result.lines.isEmpty, "\(result)")
        #expect(FileManager.default.contents(atPath: elsewhere.path + "/speech-16k-mono.alaw") == Data([7]))
    }

    @Test("batch: sources linked from outside are skipped unless --follow-symlinks; output folders linked outside are not written through; text named .sln is not audio")
    func batchThroughLinks() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("src"), out = dir.appendingPathComponent("out"), elsewhere = dir.appendingPathComponent("elsewhere")
        for d in [src, out, elsewhere] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        try Data("-----BEGIN PRIVATE KEY-----\nMIIEvQIBADANBgkqhkiG9w0BAQEFAASC\n".utf8).write(to: elsewhere.appendingPathComponent("secret"))
        try FileManager.default.copyItem(atPath: fixture("speech/speech-8k-mono.wav"), toPath: elsewhere.appendingPathComponent("hold.wav").path)
        #expect(symlink(elsewhere.path + "/secret", src.path + "/leak.sln") == 0)
        #expect(symlink(elsewhere.path + "/hold.wav", src.path + "/hold.wav") == 0)
        try FileManager.default.copyItem(atPath: fixture("speech/speech-16k-mono.wav"), toPath: src.appendingPathComponent("a.wav").path)
        let r = try runPromptc(["batch", src.path, "-o", out.path])
        #expect(r.status == 0 && r.stderr.contains("leak.sln: a symbolic link to a file outside"), "\(r.stderr)")
        #expect(FileTree.list(out.path) == ["a.alaw"])
        let followed = try runPromptc(["batch", src.path, "-o", out.path, "--follow-symlinks"])
        #expect(followed.status == 1 && followed.stderr.contains("leak.sln: looks like text"), "\(followed.stderr)")
        #expect(FileTree.list(out.path) == ["a.alaw", "hold.alaw"])
        // An output sub-folder that is a link to elsewhere.
        let src2 = dir.appendingPathComponent("src2"), out2 = dir.appendingPathComponent("out2")
        try FileManager.default.createDirectory(at: src2.appendingPathComponent("sub"), withIntermediateDirectories: true)
        try FileManager.default.createDirectory(at: out2, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture("speech/speech-16k-mono.wav"), toPath: src2.appendingPathComponent("sub/b.wav").path)
        #expect(symlink(elsewhere.path, out2.path + "/sub") == 0)
        let r2 = try runPromptc(["batch", src2.path, "-o", out2.path])
        #expect(r2.status == 1 && r2.stderr.contains("leads outside"), "\(r2.stderr)")
        #expect(!FileManager.default.fileExists(atPath: elsewhere.path + "/b.alaw"))
    }

    @Test("what a killed run left (temporary files, install scratch folders) is removed by the next run, only when its process is gone")
    func staleLeftovers() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        // pid 4194304 is above Linux's largest pid: surely gone. Our parent is alive.
        let dead = "4194304", alive = "\(getppid())"
        let names = [".hello.alaw.promptc-\(dead)-AbC123", ".hello.alaw.promptc-\(dead)-AbC123.old", ".promptc-\(dead)-QwErTy",
                     ".hello.ulaw.promptc-\(alive)-ZzZzZz"]
        for n in names { try Data([1]).write(to: dir.appendingPathComponent(n)) }
        let scratch = dir.appendingPathComponent(".promptc-install-\(dead)-1700000000000")
        try FileManager.default.createDirectory(at: scratch, withIntermediateDirectories: true)
        try Data([1]).write(to: scratch.appendingPathComponent("hello.alaw"))
        let r = try runPromptc(["convert", fixture("speech/speech-8k-mono.wav"), "-o", dir.appendingPathComponent("x.alaw").path])
        #expect(r.status == 0)
        #expect(try FileManager.default.contentsOfDirectory(atPath: dir.path).sorted() == [".hello.ulaw.promptc-\(alive)-ZzZzZz", "x.alaw"])
    }

    @Test("SIGTERM during an install leaves no scratch folder and no temporary file")
    func interruptedInstall() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let sounds = dir.appendingPathComponent("sounds")
        // A pipe that delivers part of a WAV and stalls: the install is mid-conversion.
        let fifo = dir.appendingPathComponent("rec.flac").path   // WAV inside: a name that is no prompt format
        #expect(mkfifo(fifo, 0o644) == 0)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: promptcBinary)
        p.arguments = ["install", fifo, "--name", "hello", "--sounds-dir", sounds.path, "--formats", "alaw,ulaw,sln"]
        p.standardError = FileHandle.nullDevice
        p.standardOutput = FileHandle.nullDevice
        try p.run()
        let writer = open(fifo, O_WRONLY)
        let wav = try Data(contentsOf: URL(fileURLWithPath: fixture("speech/speech-16k-mono.wav")))
        _ = wav.prefix(100_000).withUnsafeBytes { write(writer, $0.baseAddress!, $0.count) }
        let folder = sounds.appendingPathComponent("en/custom").path
        var busy = false
        for _ in 0..<250 where !busy {
            Thread.sleep(forTimeInterval: 0.02)
            busy = (try? FileManager.default.contentsOfDirectory(atPath: folder))?.contains { $0.contains("promptc") } ?? false
        }
        #expect(busy, "temporary files exist while converting")
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        close(writer)
        let left = (try? FileManager.default.contentsOfDirectory(atPath: folder)) ?? []
        #expect(!left.contains { $0.contains("promptc") }, "\(left)")
    }

    @Test("outputs respect the umask unless --mode says otherwise; install gives 0644 so Asterisk can read")
    func modes() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        func mode(_ path: String) -> Int { var st = stat(); stat(path, &st); return Int(st.st_mode & 0o777) }
        func run(_ command: String) throws -> Int32 {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/bin/sh")
            p.arguments = ["-c", "umask 077; " + command]
            try p.run(); p.waitUntilExit()
            return p.terminationStatus
        }
        let input = fixture("speech/speech-8k-mono.wav"), bin = promptcBinary
        #expect(try run("'\(bin)' convert '\(input)' -o '\(dir.path)/a.alaw'") == 0)
        #expect(mode(dir.path + "/a.alaw") == 0o600)
        #expect(try run("'\(bin)' convert '\(input)' -o '\(dir.path)/b.alaw' --mode 0640") == 0)
        #expect(mode(dir.path + "/b.alaw") == 0o640)
        #expect(try run("'\(bin)' install '\(fixture("speech/speech-16k-mono.wav"))' --name m --sounds-dir '\(dir.path)/s' --formats alaw") == 0)
        #expect(mode(dir.path + "/s/en/custom/m.alaw") == 0o644)
        #expect(try run("'\(bin)' convert '\(input)' -o '\(dir.path)/c.alaw' --mode 999") == 2)
    }

    @Test("a headerless input whose content does not fit the law its name says is converted with a warning")
    func lawThatDoesNotFit() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("o.sln").path
        let wrong = try Converter.convert(input: fixture("verify/mulaw-as-alaw.alaw"), outputs: [OutputTarget(path: out, format: .sln)])
        #expect(wrong.warnings.contains(.lawMismatch(stated: .aLaw, seen: .muLaw)))
        var o = ConversionOptions(); o.overwrite = true
        let right = try Converter.convert(input: fixture("reference/speech-44k-cbr128.ffmpeg.alaw"), outputs: [OutputTarget(path: out, format: .sln)], options: o)
        #expect(!right.warnings.contains { if case .lawMismatch = $0 { true } else { false } })
    }

    @Test("two installs of one name at once: every prompt comes from one recording, and the manifest keeps both records")
    func concurrentInstalls() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let recordings = [fixture("speech/speech-16k-mono.wav"), fixture("speech/speech-44k-stereo.wav")]
        // What each recording gives on its own, per format.
        let formats = ["alaw", "ulaw", "sln"]
        let alone = try recordings.map { rec in
            try formats.map { f -> Data in
                let out = dir.appendingPathComponent("ref.\(f)").path
                var o = ConversionOptions(); o.overwrite = true
                _ = try Converter.convert(input: rec, outputs: [OutputTarget(path: out)], options: o)
                return try Data(contentsOf: URL(fileURLWithPath: out))
            }
        }
        for trial in 0..<5 {
            let sounds = dir.appendingPathComponent("sounds\(trial)").path
            let runs = recordings.map { rec -> Process in
                let p = Process()
                p.executableURL = URL(fileURLWithPath: promptcBinary)
                p.arguments = ["install", rec, "--name", "hello", "--sounds-dir", sounds, "--formats", "alaw,ulaw,sln", "--replace"]
                p.standardOutput = FileHandle.nullDevice
                p.standardError = FileHandle.nullDevice
                return p
            }
            try runs.forEach { try $0.run() }
            runs.forEach { $0.waitUntilExit() }
            #expect(runs.allSatisfy { $0.terminationStatus == 0 })
            let got = try formats.map { try Data(contentsOf: URL(fileURLWithPath: sounds + "/en/custom/hello.\($0)")) }
            #expect(got == alone[0] || got == alone[1], "trial \(trial): the formats come from different recordings")
            let manifest = try String(contentsOfFile: sounds + "/.promptc-install.json", encoding: .utf8)
            #expect(manifest.components(separatedBy: "\"name\" : \"hello\"").count - 1 == 2, "trial \(trial): both installs recorded")
        }
    }

    @Test("languages have Asterisk's form; the suggestion for 'en US' is 'en_US'")
    func languages() {
        for fine in ["en", "en_US", "es_MX", "fr", "en_US_f_Allison", "yue"] { #expect(PromptName.languageProblem(fine) == nil, "\(fine)") }
        #expect(PromptName.languageProblem("en US")?.hasSuffix("try 'en_US'") == true)
        #expect(PromptName.languageProblem("EN-us")?.hasSuffix("try 'en_us'") == true)
        #expect(PromptName.languageProblem("english") != nil && PromptName.languageProblem("e") != nil && PromptName.languageProblem("en_") != nil)
        #expect(PromptName.languageProblem("../etc") != nil && PromptName.languageProblem("-en") != nil && PromptName.languageProblem("en\u{202E}") != nil)
        // install says so, with the suggestion, before anything is written.
        var o = InstallOptions(soundsDir: "/nonexistent-sounds"); o.lang = "en US"; o.owner = nil
        #expect {
            _ = try PromptInstaller(options: o).install([fixture("speech/speech-16k-mono.wav")])
        } throws: { "\($0)".hasSuffix("try 'en_US'") }
    }
}

/// Writes a 32-bit float mono WAV.
func writeFloatWAV(_ path: String, samples: [Float], rate: Int) throws {
    func le32(_ v: Int) -> [UInt8] { (0..<4).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    func le16(_ v: Int) -> [UInt8] { (0..<2).map { UInt8(truncatingIfNeeded: v >> (8 * $0)) } }
    let data = samples.flatMap { le32(Int($0.bitPattern)) }
    let header = Array("RIFF".utf8) + le32(36 + data.count) + Array("WAVEfmt ".utf8) + le32(16) + le16(3) + le16(1)
        + le32(rate) + le32(rate * 4) + le16(4) + le16(32) + Array("data".utf8) + le32(data.count)
    try Data(header + data).write(to: URL(fileURLWithPath: path))
}
