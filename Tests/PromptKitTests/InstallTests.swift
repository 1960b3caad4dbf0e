import Foundation
import Testing
@testable import PromptKit
import G711
@testable import AudioIO

@Suite("promptc install, uninstall, doctor", .serialized)
struct InstallTests {
    func options(_ sounds: URL) -> InstallOptions {
        var o = InstallOptions(soundsDir: sounds.path)
        o.owner = nil
        return o
    }

    @Test("layout, modes, dialplan line; the asterisk.conf rules")
    func layoutAndConf() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let sounds = dir.appendingPathComponent("sounds")
        let r = try runPromptc(["install", fixture("sample/welcome.mp3"), "--sounds-dir", sounds.path, "--lang", "de", "--subdir", "ivr/main"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(String(decoding: r.stdout, as: UTF8.self).contains("dialplan: Playback(ivr/main/welcome)"))
        #expect(FileTree.list(sounds.path) == InstallOptions.defaultFormats.map { "de/ivr/main/welcome.\($0.fileExtension)" }.sorted())
        for f in FileTree.list(sounds.path) {
            let a = try FileManager.default.attributesOfItem(atPath: sounds.path + "/" + f)
            #expect((a[.posixPermissions] as? Int) == 0o644, "\(f)")
        }
        for d in ["de", "de/ivr", "de/ivr/main"] {
            #expect((try FileManager.default.attributesOfItem(atPath: sounds.path + "/" + d)[.posixPermissions] as? Int) == 0o755, "\(d)")
        }
        #expect(try Data(contentsOf: sounds.appendingPathComponent("de/ivr/main/welcome.alaw")).count == 72935)
        // asterisk.conf: [directories] with (!) mark, => and = forms, comments; astsoundsdir wins.
        #expect(AsteriskConfig.soundsDirectory(conf: "[options]\nastdatadir => /wrong\n[directories](!)\nastetcdir => /etc/asterisk\nastdatadir => /srv/ast ; data\n") == "/srv/ast/sounds")
        #expect(AsteriskConfig.soundsDirectory(conf: "[directories]\nastdatadir=/srv/ast\nastsoundsdir = /srv/sounds\n") == "/srv/sounds")
        #expect(AsteriskConfig.soundsDirectory(conf: "[directories]\n;astdatadir => /commented\n") == nil)
        let conf = dir.appendingPathComponent("asterisk.conf")
        try "[directories]\nastdatadir => \(dir.path)/data\n".write(to: conf, atomically: true, encoding: .utf8)
        #expect(try runPromptc(["install", fixture("sample/welcome.mp3"), "--asterisk-conf", conf.path, "--formats", "ulaw"]).status == 0)
        #expect(FileManager.default.fileExists(atPath: dir.path + "/data/sounds/en/custom/welcome.ulaw"))
    }

    @Test("names that Asterisk or the dialplan cannot use are refused, with a safe suggestion", arguments: [
        ("/etc/passwd", "absolute path"), ("../x", "contains '..'"), ("a/b", "contains '/'"), (".hidden", "hidden"),
        ("bad\u{7}bell", "control characters"), ("hello.ALAW", "upper-case extension"), ("hello.alaw", "has an extension"),
        ("hello world", "contains ' '"), ("a,b", "contains ','"), ("x|y", "contains '|'"), ("f(1)", "contains '('"), ("q\"", "contains '\"'"),
        ("s;t", "contains ';'"),
    ])
    func names(name: String, reason: String) throws {
        let p = try #require(PromptName.problem(name))
        #expect(p.contains(reason) && p.contains("try '"), "\(p)")
        #expect(PromptName.problem(PromptName.suggest(name)) == nil, "the suggestion is safe: \(PromptName.suggest(name))")
        #expect(PromptName.problem("welcome-2_en.v2") == nil)
    }

    @Test("siblings warn; --replace removes them and keeps backups; uninstall restores; dry-run changes nothing")
    func replaceAndUninstall() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let sounds = dir.appendingPathComponent("sounds")
        var o = options(sounds)
        o.formats = [.alaw, .ulaw, .sln]
        _ = try PromptInstaller(options: o).install([fixture("sample/welcome.mp3")])
        let folder = sounds.appendingPathComponent("en/custom")
        let oldAlaw = try Data(contentsOf: folder.appendingPathComponent("welcome.alaw"))
        try Data([1, 2, 3]).write(to: folder.appendingPathComponent("welcome.gsm"))
        // Without --replace: refused, nothing touched.
        o.name = "welcome"
        #expect(throws: ConversionError.self) { _ = try PromptInstaller(options: o).install([fixture("speech/speech-44k-stereo.wav")]) }
        // Dry run: exactly what would happen, nothing changes.
        o.replace = true
        o.dryRun = true
        let plan = try PromptInstaller(options: o).install([fixture("speech/speech-44k-stereo.wav")])
        #expect(plan[0].backups.filter(\.removed).map { ($0.original as NSString).lastPathComponent } == ["welcome.gsm"])
        #expect(plan[0].backups.filter { !$0.removed }.count == 3)
        #expect(try Data(contentsOf: folder.appendingPathComponent("welcome.alaw")) == oldAlaw)
        #expect(FileTree.list(sounds.path).filter { !$0.hasPrefix(".") } == ["en/custom/welcome.alaw", "en/custom/welcome.gsm", "en/custom/welcome.sln", "en/custom/welcome.ulaw"])
        // The real thing.
        o.dryRun = false
        let done = try PromptInstaller(options: o).install([fixture("speech/speech-44k-stereo.wav")])
        #expect(done[0].warnings.contains { $0.contains("welcome.gsm") })
        #expect(!FileManager.default.fileExists(atPath: folder.appendingPathComponent("welcome.gsm").path))
        #expect(try Data(contentsOf: folder.appendingPathComponent("welcome.alaw")).count == 32000)
        // Siblings without --replace: a warning that lists them.
        try Data([1, 2, 3]).write(to: folder.appendingPathComponent("hold.gsm"))
        var plain = options(sounds); plain.name = "hold"
        let hold = try PromptInstaller(options: plain).install([fixture("speech/speech-16k-mono.wav")])
        #expect(hold[0].warnings.contains { $0.contains("hold.gsm") && $0.contains("may play them instead") })
        // Uninstall restores what the replacement replaced.
        let messages = try PromptInstaller(options: o).uninstall(["welcome"]).lines
        #expect(messages.contains { $0.hasPrefix("restored") && $0.hasSuffix("welcome.gsm") })
        #expect(try Data(contentsOf: folder.appendingPathComponent("welcome.alaw")) == oldAlaw)
        #expect(try Data(contentsOf: folder.appendingPathComponent("welcome.gsm")) == Data([1, 2, 3]))
    }

    @Test(".wav and .wav16 prompts get 22 samples of silence (Asterisk drops them); uninstall --manifest removes everything")
    func wavTailAndManifest() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let sounds = dir.appendingPathComponent("sounds")
        var o = options(sounds); o.formats = [.wav, .wav16, .alaw]
        let done = try PromptInstaller(options: o).install([fixture("speech/speech-44k-cbr128.mp3"), fixture("speech/speech-16k-mono.wav")])
        let wav = try AudioDecoder.open(sounds.path + "/en/custom/speech-44k-cbr128.wav")
        #expect(wav.frameCount == 32000 + 22 && wav.stream.isAsteriskWAV(rate: 8000))
        let wav16 = try AudioDecoder.open(sounds.path + "/en/custom/speech-44k-cbr128.wav16")
        #expect(wav16.frameCount == 64000 + 22 && wav16.stream.isAsteriskWAV(rate: 16000))
        let tail = try decodeMono(sounds.path + "/en/custom/speech-16k-mono.wav16").samples.suffix(22)
        #expect(tail.count == 22 && tail.allSatisfy { $0 == 0 })
        #expect(try Data(contentsOf: sounds.appendingPathComponent("en/custom/speech-44k-cbr128.alaw")).count == 32000)
        #expect(done.count == 2)
        let r = try runPromptc(["uninstall", "--manifest", sounds.path + "/.promptc-install.json", "--sounds-dir", sounds.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileTree.list(sounds.path).filter { !$0.hasPrefix(".") }.isEmpty)
    }

    @Test("if one format of a prompt fails its check, none of its files change")
    func transaction() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let sounds = dir.appendingPathComponent("sounds"), src = dir.appendingPathComponent("src")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture("reference/speech-16k-mono.ffmpeg.alaw"), toPath: src.appendingPathComponent("menu.alaw").path)
        try FileManager.default.copyItem(atPath: fixture("reference/speech-16k-mono.ffmpeg.alaw"), toPath: src.appendingPathComponent("menu.ulaw").path) // A-law bytes
        var o = options(sounds); o.replace = true
        #expect(throws: ConversionError.self) { _ = try PromptInstaller(options: o).install([src.path]) }
        #expect(FileTree.list(sounds.path).filter { !$0.hasPrefix(".") }.isEmpty)
        #expect(try FileManager.default.contentsOfDirectory(atPath: sounds.path + "/en/custom").isEmpty, "no temporaries left")
        try FileManager.default.removeItem(at: src.appendingPathComponent("menu.ulaw"))
        let ok = try PromptInstaller(options: o).install([src.path])
        #expect(ok[0].files.map { ($0 as NSString).lastPathComponent } == ["menu.alaw"])
    }

    @Test("a reader opening the prompt while it is replaced sees the old or the new file, never a mix")
    func atomicReplace() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let sounds = dir.appendingPathComponent("sounds")
        var o = options(sounds); o.name = "p"; o.formats = [.alaw]; o.replace = true
        _ = try PromptInstaller(options: o).install([fixture("sample/welcome.mp3")])
        let path = sounds.path + "/en/custom/p.alaw"
        let a = try Data(contentsOf: URL(fileURLWithPath: path))
        _ = try PromptInstaller(options: o).install([fixture("speech/speech-44k-stereo.wav")])
        let b = try Data(contentsOf: URL(fileURLWithPath: path))
        // Shared with the reader thread under a lock (ThreadSanitizer flagged the plain fields).
        final class Box: @unchecked Sendable {
            private let lock = NSLock()
            private var stopped = false, reads = 0, bad = 0
            var stop: Bool { lock.withLock { stopped } }
            func finish() { lock.withLock { stopped = true } }
            func record(mixed: Bool) { lock.withLock { reads += 1; if mixed { bad += 1 } } }
            var counts: (reads: Int, bad: Int) { lock.withLock { (reads, bad) } }
        }
        let box = Box()
        let reader = Thread {
            while !box.stop {
                if let d = FileManager.default.contents(atPath: path) { box.record(mixed: d != a && d != b) }
            }
        }
        reader.start()
        for i in 0..<20 { _ = try PromptInstaller(options: o).install([fixture(i % 2 == 0 ? "sample/welcome.mp3" : "speech/speech-44k-stereo.wav")]) }
        box.finish()
        Thread.sleep(forTimeInterval: 0.05)
        let (reads, bad) = box.counts
        #expect(reads > 20 && bad == 0, "\(reads) reads, \(bad) mixed")
    }

    @Test("ownership: files go to --owner (a real user made for the test)",
          .enabled(if: getuid() == 0, "only root can give files away: run the tests as root"))
    func ownership() throws {
        let user = "promptct\(getpid() % 10000)"   // unique per run, no randomness
        let add = Process(); add.executableURL = URL(fileURLWithPath: "/usr/sbin/useradd"); add.arguments = ["-M", "-U", "-s", "/usr/sbin/nologin", user]
        try add.run(); add.waitUntilExit()
        try #require(add.terminationStatus == 0, "useradd failed")
        defer { let del = Process(); del.executableURL = URL(fileURLWithPath: "/usr/sbin/userdel"); del.arguments = [user]; try? del.run(); del.waitUntilExit() }
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        chmod(dir.path, 0o755)
        let sounds = dir.appendingPathComponent("sounds")
        var o = options(sounds); o.owner = "\(user):\(user)"
        let done = try PromptInstaller(options: o).install([fixture("speech/speech-16k-mono.wav")])
        let pw = try #require(getpwnam(user))
        for f in done[0].files {
            var st = stat(); stat(f, &st)
            #expect(st.st_uid == pw.pointee.pw_uid && st.st_gid == pw.pointee.pw_gid)
            #expect(PromptCheck.readable(f, uid: pw.pointee.pw_uid, gid: pw.pointee.pw_gid))
        }
        // doctor notices a file that user cannot read.
        chmod(done[0].files[0], 0o600); chown(done[0].files[0], 0, 0)
        let findings = try SoundsDoctor.audit(sounds.path, reader: (pw.pointee.pw_uid, pw.pointee.pw_gid))
        #expect(findings.contains { $0.file == done[0].files[0] && $0.problem.contains("not readable") })
    }

    @Test("doctor: every finding on a planted example; exit 0 when clean, 1 with problems")
    func doctor() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let s = dir.appendingPathComponent("sounds")
        let o = options(s)
        _ = try PromptInstaller(options: o).install([fixture("sample/welcome.mp3")])
        #expect(try runPromptc(["doctor", s.path]).status == 0)
        let c = s.path + "/en/custom/"
        func copy(_ from: String, _ to: String) throws {
            try FileManager.default.createDirectory(atPath: (to as NSString).deletingLastPathComponent, withIntermediateDirectories: true)
            try FileManager.default.copyItem(atPath: fixture(from), toPath: to)
        }
        try copy("verify/mulaw-as-alaw.alaw", c + "wronglaw.alaw")
        try copy("speech/speech-44k-stereo.wav", c + "stereo.wav")
        // A .wav cut short: its header promises more than it holds.
        _ = try Converter.convert(input: fixture("speech/speech-8k-mono.wav"), outputs: [OutputTarget(path: dir.path + "/whole.wav", format: .wav)])
        try Data(contentsOf: URL(fileURLWithPath: dir.path + "/whole.wav")).prefix(20000).write(to: URL(fileURLWithPath: c + "cut.wav"))
        try copy("verify/wav-header.alaw", c + "header.alaw")
        try copy("reference/speech-16k-mono.ffmpeg.alaw", c + "SHOUT.ALAW")
        try copy("speech/speech-44k-cbr128.mp3", c + "song.mp3")
        try copy("verify/silence.alaw", c + "quiet.alaw")
        // 8 kHz audio in a 16 kHz file: upsample an 8 kHz prompt.
        _ = try Converter.convert(input: fixture("speech/speech-8k-mono.wav"), outputs: [OutputTarget(path: c + "narrow.sln16", format: .sln16)])
        // Clipped: a square wave at full scale.
        try writeWAV(c + "clip.wav", samples: (0..<8000).map { ($0 / 20) % 2 == 0 ? 32767 : -32768 }, rate: 8000)
        // Siblings that differ: welcome.wav from another recording.
        _ = try Converter.convert(input: fixture("speech/speech-44k-stereo.wav"), outputs: [OutputTarget(path: c + "welcome.wav", format: .wav)])
        // Shadowing: the language-less folder holds an older welcome.
        try copy("speech/speech-16k-mono.wav", dir.path + "/tmp16.wav")
        try FileManager.default.createDirectory(atPath: s.path + "/custom", withIntermediateDirectories: true)
        _ = try Converter.convert(input: dir.path + "/tmp16.wav", outputs: [OutputTarget(path: s.path + "/custom/welcome.alaw", format: .alaw)])
        // Two files Asterisk reads as one codec.
        _ = try Converter.convert(input: fixture("speech/speech-8k-mono.wav"), outputs: [OutputTarget(path: c + "both.sln", format: .sln), OutputTarget(path: c + "both.wav", format: .wav)])
        // Speech driven 12 dB into A-law: clipped at its largest code (+-32256, below PCM's full scale).
        try Data(G711Law.aLaw.encode(try decodeMono(fixture("speech/speech-8k-mono.wav")).samples.map { $0 * 4 })).write(to: URL(fileURLWithPath: c + "loud.alaw"))
        // Silence placeholders and empty prompts are deliberate: not reported.
        try FileManager.default.createDirectory(atPath: s.path + "/en/silence", withIntermediateDirectories: true)
        try copy("stock/en-silence-1.gsm", s.path + "/en/silence/1.gsm")
        try Data().write(to: URL(fileURLWithPath: c + "nothing.gsm"))
        let findings = try SoundsDoctor.audit(s.path)
        func has(_ file: String, _ text: String) -> Bool { findings.contains { $0.file.hasSuffix(file) && $0.problem.contains(text) && !$0.fix.isEmpty } }
        #expect(has("both.wav", "same codec (slin)"))
        #expect(has("cut.wav", "truncated"))
        #expect(has("loud.alaw", "clipped"))
        #expect(!findings.contains { $0.file.contains("silence/1") || $0.file.contains("nothing.gsm") }, "\(findings)")
        #expect(has("wronglaw.alaw", "looks like mu-law"))
        #expect(has("stereo.wav", "Asterisk plays only 16-bit mono 8000 Hz"))
        #expect(has("header.alaw", "WAV header inside a raw"))
        #expect(has("SHOUT.ALAW", "upper-case extension"))
        #expect(has("song.mp3", "unknown extension .mp3"))
        #expect(has("quiet.alaw", "near-silent"))
        #expect(has("narrow.sln16", "stops dead at 4 kHz"))
        #expect(has("clip.wav", "clipped"))
        #expect(has("en/custom/welcome.wav", "not the same recording"))
        // The fix names the prompt's folder: pasted anywhere, it replaces that prompt.
        #expect(findings.first { $0.file.hasSuffix("wronglaw.alaw") }?.fix.contains("--sounds-dir '\(s.path)' --lang 'en' --subdir 'custom' --name 'wronglaw'") == true)
        // The language-less copy wins for callers of languages without a folder.
        #expect(findings.contains { $0.file == s.path + "/custom/welcome.alaw" && $0.problem.contains("wins over en/custom/welcome") && $0.problem.contains("languages without a folder") })
        let r = try runPromptc(["doctor", s.path, "--json"])
        #expect(r.status == 1)
        let json = try JSONSerialization.jsonObject(with: r.stdout) as? [[String: String]]
        #expect(json?.count == findings.count)
    }

    @Test("uninstall --manifest works from any folder, for a manifest written with a relative --sounds-dir")
    func manifestFromAnotherFolder() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let work = dir.appendingPathComponent("work"), elsewhere = dir.appendingPathComponent("elsewhere")
        for d in [work, elsewhere] { try FileManager.default.createDirectory(at: d, withIntermediateDirectories: true) }
        func run(_ args: [String], in folder: URL) throws -> RunResult { try runPromptc(args, in: folder) }
        let installed = try run(["install", fixture("speech/speech-16k-mono.wav"), "--name", "hello", "--sounds-dir", "snd", "--formats", "alaw,ulaw"], in: work)
        #expect(installed.status == 0, "\(installed.stderr)")
        let manifest = work.appendingPathComponent("snd/.promptc-install.json")
        let text = try String(contentsOf: manifest, encoding: .utf8)
        #expect(text.contains("\"en/custom/hello.alaw\"") && !text.contains(work.path), "paths relative to the sounds folder:\n\(text)")
        let r = try run(["uninstall", "--manifest", manifest.path], in: elsewhere)
        #expect(r.status == 0, "\(r.stderr)")
        let removed = String(decoding: r.stdout, as: UTF8.self).split(separator: "\n").filter { $0.hasPrefix("removed ") }
        #expect(removed.count == 2, "\(String(decoding: r.stdout, as: UTF8.self))")
        #expect(FileTree.list(work.appendingPathComponent("snd").path).filter { !$0.hasPrefix(".") }.isEmpty)
        #expect(!(try String(contentsOf: manifest, encoding: .utf8)).contains("hello"))
    }

    @Test("a removal that did not happen is reported as a failure, and its record stays")
    func failedRemovalIsNotReported() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let sounds = dir.appendingPathComponent("sounds")
        var o = options(sounds); o.formats = [.alaw]; o.name = "stuck"
        _ = try PromptInstaller(options: o).install([fixture("speech/speech-44k-cbr128.mp3")])
        // Replace the prompt file by a non-empty folder: unlink fails (EISDIR / EPERM).
        let file = sounds.appendingPathComponent("en/custom/stuck.alaw")
        try FileManager.default.removeItem(at: file)
        try FileManager.default.createDirectory(at: file, withIntermediateDirectories: true)
        try Data([1]).write(to: file.appendingPathComponent("x"))
        let result = try PromptInstaller(options: o).uninstall(["stuck"])
        #expect(!result.lines.contains { $0.hasPrefix("removed") }, "\(result.lines)")
        #expect(result.failures.count == 1 && result.failures[0].hasPrefix(file.path))
        let text = try String(contentsOfFile: sounds.path + "/.promptc-install.json", encoding: .utf8)
        #expect(text.contains("stuck.alaw"), "the record stays")
    }

    @Test("a damaged install manifest is an error naming it; nothing is installed and it is not overwritten")
    func damagedManifest() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let sounds = dir.appendingPathComponent("sounds")
        try FileManager.default.createDirectory(at: sounds, withIntermediateDirectories: true)
        let manifest = sounds.appendingPathComponent(".promptc-install.json")
        let damaged = Data("{\"installs\": [".utf8)
        try damaged.write(to: manifest)
        var o = options(sounds); o.formats = [.alaw]
        #expect(throws: ConversionError.self) { _ = try PromptInstaller(options: o).install([fixture("speech/speech-8k-mono.wav")]) }
        #expect(try Data(contentsOf: manifest) == damaged)
        #expect(FileTree.list(sounds.path).filter { !$0.hasPrefix(".") }.isEmpty)
        let r = try runPromptc(["uninstall", "--manifest", manifest.path])
        #expect(r.status != 0 && r.stderr.contains(manifest.path))
        // A path that leaves the sounds folder is refused, not acted on.
        let victim = dir.appendingPathComponent("victim.txt")
        try Data("keep".utf8).write(to: victim)
        let hostile = #"{"version": 2, "installs": [{"time": "x", "prompts": [{"name": "v", "lang": "en", "subdir": "custom", "files": ["../victim.txt"], "backups": [], "warnings": []}]}]}"#
        try Data(hostile.utf8).write(to: manifest)
        let h = try runPromptc(["uninstall", "--manifest", manifest.path])
        #expect(h.status != 0 && h.stderr.contains("leaves the sounds folder"), "\(h.stderr)")
        #expect(FileManager.default.fileExists(atPath: victim.path))
    }

    @Test("a folder install that fails half-way records what it installed; uninstall removes it")
    func halfWayFolderInstall() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let sounds = dir.appendingPathComponent("sounds"), src = dir.appendingPathComponent("src")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture("speech/speech-16k-mono.wav"), toPath: src.appendingPathComponent("a.wav").path)
        try FileManager.default.copyItem(atPath: fixture("bad/random.mp3"), toPath: src.appendingPathComponent("b.mp3").path)
        var o = options(sounds); o.formats = [.alaw]
        #expect(throws: (any Error).self) { _ = try PromptInstaller(options: o).install([src.path]) }
        #expect(FileManager.default.fileExists(atPath: sounds.path + "/en/custom/a.alaw"))
        let result = try PromptInstaller(options: o, manifest: sounds.path + "/.promptc-install.json").uninstallAll()
        #expect(result.failures.isEmpty && result.lines == ["removed \(sounds.path)/en/custom/a.alaw"], "\(result.lines)")
        #expect(FileTree.list(sounds.path).filter { !$0.hasPrefix(".") }.isEmpty)
    }
}
