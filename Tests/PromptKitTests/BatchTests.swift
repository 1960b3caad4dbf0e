import Foundation
import Testing
@testable import PromptKit

@Suite("promptc batch")
struct BatchTests {
    /// A source tree: speech in a sub-folder, a text note, a .DS_Store, a corrupt MP3, a truncated MP3.
    func makeTree(_ dir: URL) throws -> URL {
        let src = dir.appendingPathComponent("src")
        try FileManager.default.createDirectory(at: src.appendingPathComponent("sales/de"), withIntermediateDirectories: true)
        let fm = FileManager.default
        try fm.copyItem(atPath: fixture("speech/speech-44k-cbr128.mp3"), toPath: src.appendingPathComponent("welcome.mp3").path)
        try fm.copyItem(atPath: fixture("speech/speech-16k-mono.wav"), toPath: src.appendingPathComponent("sales/hold.wav").path)
        try fm.copyItem(atPath: fixture("formats/speech-22k.flac"), toPath: src.appendingPathComponent("sales/de/willkommen.flac").path)
        try fm.copyItem(atPath: fixture("bad/truncated.mp3"), toPath: src.appendingPathComponent("sales/cut.mp3").path)
        try fm.copyItem(atPath: fixture("bad/random.mp3"), toPath: src.appendingPathComponent("broken.mp3").path)
        try Data("call Bob".utf8).write(to: src.appendingPathComponent("notes.txt"))
        try Data([0, 0, 0, 1, 0x42, 0x75, 0x64, 0x31]).write(to: src.appendingPathComponent(".DS_Store"))
        return src
    }

    func report(_ path: URL) throws -> [String: [String: Any]] {
        let json = try JSONSerialization.jsonObject(with: Data(contentsOf: path)) as! [String: Any]
        var bySource: [String: [String: Any]] = [:]
        for item in json["items"] as! [[String: Any]] { bySource[(item["source"] as! String).components(separatedBy: "/src/").last!] = item }
        return bySource
    }

    @Test("mirrors the tree, one file per format; skips what is not audio; a bad file fails alone; JSON report")
    func mirrorAndReport() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let src = try makeTree(dir), out = dir.appendingPathComponent("out"), json = dir.appendingPathComponent("r.json")
        let r = try runPromptc(["batch", src.path, "-o", out.path, "--format", "alaw,sln", "-j", "2", "--json-report", json.path])
        #expect(r.status == 1, "one input failed")
        #expect(r.stderr.contains("broken.mp3: is not a recognised audio format"))
        #expect(r.stderr.contains("skipped \(src.path)/notes.txt") && r.stderr.contains("skipped \(src.path)/.DS_Store"))
        let files = FileTree.list(out.path)
        #expect(files == ["sales/cut.alaw", "sales/cut.sln", "sales/de/willkommen.alaw", "sales/de/willkommen.sln",
                          "sales/hold.alaw", "sales/hold.sln", "welcome.alaw", "welcome.sln"])
        #expect(try Data(contentsOf: out.appendingPathComponent("welcome.alaw")).count == 32000)
        #expect(try Data(contentsOf: out.appendingPathComponent("sales/de/willkommen.sln")).count == 24000)
        let items = try report(json)
        #expect(items["welcome.mp3"]?["status"] as? String == "converted")
        #expect((items["welcome.mp3"]?["inputFormat"] as? String)?.hasPrefix("MP3 (MPEG-1 Layer III") == true)
        #expect(items["welcome.mp3"]?["durationSeconds"] as? Double == 4)
        #expect((items["welcome.mp3"]?["outputs"] as? [String])?.count == 2)
        #expect((items["sales/cut.mp3"]?["warnings"] as? [String])?.first?.hasPrefix("truncated") == true)
        #expect(items["broken.mp3"]?["status"] as? String == "failed" && items["broken.mp3"]?["error"] != nil)
        #expect(items["notes.txt"]?["status"] as? String == "skipped")
        #expect((items["sales/hold.wav"]?["seconds"] as? Double ?? -1) >= 0)
    }

    @Test("incremental: unchanged inputs are skipped; a changed source or setting converts again; --force all")
    func incremental() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let src = try makeTree(dir), out = dir.appendingPathComponent("out")
        try FileManager.default.removeItem(at: src.appendingPathComponent("broken.mp3"))
        func run(_ extra: [String] = []) throws -> (Int32, String) {
            let r = try runPromptc(["batch", src.path, "-o", out.path, "--format", "alaw,ulaw"] + extra)
            return (r.status, r.stderr.split(separator: "\n").last.map(String.init) ?? "")
        }
        #expect(try run().1.hasPrefix("4 converted, 0 unchanged"))
        #expect(try run().1.hasPrefix("0 converted, 4 unchanged"))
        // Same bytes, new time: still unchanged (content hash).
        let welcome = src.appendingPathComponent("welcome.mp3")
        try FileManager.default.setAttributes([.modificationDate: Date().addingTimeInterval(60)], ofItemAtPath: welcome.path)
        #expect(try run().1.hasPrefix("0 converted, 4 unchanged"))
        // New content under the same name.
        try FileManager.default.removeItem(at: welcome)
        try FileManager.default.copyItem(atPath: fixture("speech/speech-48k-abr.mp3"), toPath: welcome.path)
        #expect(try run().1.hasPrefix("1 converted, 3 unchanged"))
        // A different setting converts everything again.
        #expect(try run(["--channel", "1"]).1.hasPrefix("4 converted, 0 unchanged"))
        #expect(try run(["--channel", "1"]).1.hasPrefix("0 converted, 4 unchanged"))
        #expect(try run(["--channel", "1", "--force"]).1.hasPrefix("4 converted"))
        // A deleted output is made again.
        try FileManager.default.removeItem(at: out.appendingPathComponent("sales/hold.ulaw"))
        #expect(try run(["--channel", "1"]).1.hasPrefix("1 converted, 3 unchanged"))
        // A vanished source: listed, then pruned.
        try FileManager.default.removeItem(at: src.appendingPathComponent("sales/hold.wav"))
        let listed = try runPromptc(["batch", src.path, "-o", out.path, "--format", "alaw,ulaw", "--channel", "1"])
        #expect(listed.stderr.contains("orphaned \(out.path)/sales/hold.alaw"))
        let pruned = try runPromptc(["batch", src.path, "-o", out.path, "--format", "alaw,ulaw", "--channel", "1", "--prune"])
        #expect(pruned.stderr.contains("pruned \(out.path)/sales/hold.ulaw") && pruned.status == 0)
        #expect(!FileManager.default.fileExists(atPath: out.appendingPathComponent("sales/hold.alaw").path))
    }

    @Test("two inputs that would write one output: both named, nothing written for them")
    func conflicts() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("src"), out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture("speech/speech-44k-cbr128.mp3"), toPath: src.appendingPathComponent("a.mp3").path)
        try FileManager.default.copyItem(atPath: fixture("speech/speech-16k-mono.wav"), toPath: src.appendingPathComponent("a.wav").path)
        try FileManager.default.copyItem(atPath: fixture("speech/speech-16k-mono.wav"), toPath: src.appendingPathComponent("b.wav").path)
        let r = try runPromptc(["batch", src.path, "-o", out.path])
        #expect(r.status == 1)
        #expect(r.stderr.contains("conflict: \(src.path)/a.mp3 and \(src.path)/a.wav would both write \(out.path)/a.alaw"))
        #expect(FileTree.list(out.path) == ["b.alaw"])
    }

    @Test("--shard K/N: N shards at once into one tree equal the unsharded run byte for byte; a later unsharded run finds all up to date")
    func shards() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("src"), fm = FileManager.default
        try fm.createDirectory(at: src.appendingPathComponent("sub/deeper"), withIntermediateDirectories: true)
        let inputs = try fm.contentsOfDirectory(atPath: fixture("speech")).sorted() + fm.contentsOfDirectory(atPath: fixture("formats")).sorted().map { "f:" + $0 }
        for (i, name) in inputs.enumerated() {
            let from = name.hasPrefix("f:") ? fixture("formats/" + name.dropFirst(2)) : fixture("speech/" + name)
            let folder = ["", "sub/", "sub/deeper/"][i % 3]
            try fm.copyItem(atPath: from, toPath: src.path + "/" + folder + "n\(i)-" + (from as NSString).lastPathComponent)
        }
        // Two inputs that would write one output, in different shares: a conflict in both shards.
        let n = 3
        let pair = try #require((0..<100).map { ("dup\($0).wav", "dup\($0).flac") }.first { a, b in
            try! BatchShard(index: 1, count: n).contains(a) != BatchShard(index: 1, count: n).contains(b)
                || BatchShard(index: 2, count: n).contains(a) != BatchShard(index: 2, count: n).contains(b)
        })
        try fm.copyItem(atPath: fixture("speech/speech-8k-mono.wav"), toPath: src.appendingPathComponent(pair.0).path)
        try fm.copyItem(atPath: fixture("formats/speech-22k.flac"), toPath: src.appendingPathComponent(pair.1).path)

        let sharded = dir.appendingPathComponent("sharded"), whole = dir.appendingPathComponent("whole")
        let formats = ["--format", "alaw,g722,sln16", "-j", "1"]
        final class Results: @unchecked Sendable { let lock = NSLock(); var runs: [Int: RunResult] = [:] }
        let box = Results()
        DispatchQueue.concurrentPerform(iterations: n) { k in   // the shards at once, as separate processes
            let r = try? runPromptc(["batch", src.path, "-o", sharded.path, "--shard", "\(k + 1)/\(n)",
                                     "--json-report", dir.appendingPathComponent("r\(k + 1).json").path] + formats)
            box.lock.lock(); box.runs[k] = r; box.lock.unlock()
        }
        let results = (0..<n).map { box.runs[$0] }
        let unsharded = try runPromptc(["batch", src.path, "-o", whole.path, "--json-report", dir.appendingPathComponent("w.json").path] + formats)

        // Every input in exactly one share; together the shares did what the whole run did.
        var converted: [String] = [], conflicts: [String] = []
        for k in 1...n {
            let items = try report(dir.appendingPathComponent("r\(k).json"))
            let own = items.filter { $0.value["status"] as? String == "conflict" }.map(\.key)
            converted += items.filter { $0.value["status"] as? String == "converted" }.map(\.key)
            conflicts += own
            #expect(results[k - 1]?.status == (own.isEmpty ? 0 : 1), "shard \(k): \(results[k - 1]?.stderr ?? "did not run")")
        }
        let wholeItems = try report(dir.appendingPathComponent("w.json"))
        #expect(converted.count == Set(converted).count, "an input converted by two shards")
        #expect(Set(converted) == Set(wholeItems.filter { $0.value["status"] as? String == "converted" }.map(\.key)))
        #expect(Set(conflicts) == [pair.0, pair.1] && unsharded.status == 1)
        #expect(converted.count > 30)

        // The trees, byte for byte.
        let files = FileTree.list(sharded.path)
        #expect(files == FileTree.list(whole.path))
        for f in files {
            #expect(fm.contents(atPath: sharded.path + "/" + f) == fm.contents(atPath: whole.path + "/" + f), "\(f) differs")
        }
        // The shards' manifests merged into one: an unsharded run finds everything up to date.
        let again = try runPromptc(["batch", src.path, "-o", sharded.path, "-q"] + formats)
        #expect(again.stderr.split(separator: "\n").last?.hasPrefix("0 converted, \(converted.count) unchanged") == true, "\(again.stderr)")
        #expect(!(try fm.contentsOfDirectory(atPath: sharded.path)).contains { $0.hasPrefix(".promptc-journal") })

        // Usage: K/N with 1 <= K <= N.
        for bad in ["0/3", "4/3", "1", "a/b"] {
            let r = try runPromptc(["batch", src.path, "-o", sharded.path, "--shard", bad])
            #expect(r.status == 2 && r.stderr.contains("a shard is K/N"), "\(bad): \(r.stderr)")
        }
    }

    @Test("--include and --exclude globs; usage errors exit 2")
    func globsAndUsage() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let src = try makeTree(dir), out = dir.appendingPathComponent("out")
        let r = try runPromptc(["batch", src.path, "-o", out.path, "--include", "sales/*", "--exclude", "*/de/*", "--exclude", "cut.mp3"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(FileTree.list(out.path) == ["sales/hold.alaw"])
        #expect(try runPromptc(["batch", src.path, "-o", out.path, "--format", "alaw,vox"]).status == 2)
        #expect(try runPromptc(["batch", src.path]).status == 2)
        #expect(try runPromptc(["convert", fixture("speech/speech-8k-mono.wav")]).status == 2)
        #expect(try runPromptc(["batch", dir.appendingPathComponent("nope").path, "-o", out.path]).status == 2)
    }

    @Test("--fail-fast stops at the first failure")
    func failFast() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let r = try runPromptc(["batch", fixture("bad/random.mp3"), fixture("speech/speech-16k-mono.wav"), "-o", out.path, "-j", "1", "--fail-fast"])
        #expect(r.status == 1)
        #expect(FileTree.list(out.path).isEmpty)
    }

    @Test("SIGTERM mid-run: no partial files, a consistent manifest, and the next run resumes")
    func interrupt() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        let names = ["speech/speech-44k-cbr128.mp3", "speech/speech-16k-mono.wav", "formats/speech-22k.flac", "speech/speech-48k-abr.mp3"]
        let inputs = names.map(fixture)
        // Last input: a pipe that delivers most of a WAV and then stalls, so the worker is mid-file.
        let fifo = dir.appendingPathComponent("stalled.wav").path
        #expect(mkfifo(fifo, 0o644) == 0)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: promptcBinary)
        p.arguments = ["batch"] + inputs + [fifo, "-o", out.path, "-j", "1", "-q"]
        p.standardError = FileHandle.nullDevice
        try p.run()
        let writer = open(fifo, O_WRONLY)      // blocks until promptc opens the pipe: the earlier files are done
        let wav = try Data(contentsOf: URL(fileURLWithPath: fixture("speech/speech-16k-mono.wav")))
        _ = wav.prefix(100_000).withUnsafeBytes { write(writer, $0.baseAddress!, $0.count) }   // past the 64 KB probe, short of the end
        var sawTemporary = false
        for _ in 0..<250 where !sawTemporary {   // up to 5 s on a loaded machine
            Thread.sleep(forTimeInterval: 0.02)
            sawTemporary = (try? FileManager.default.contentsOfDirectory(atPath: out.path))?.contains { $0.contains(".promptc-") && !$0.hasPrefix(".promptc-") } ?? false
        }
        #expect(sawTemporary, "the stalled input's temporary file is open")
        kill(p.processIdentifier, SIGTERM)
        p.waitUntilExit()
        close(writer)
        #expect(p.terminationReason == .uncaughtSignal)
        let left = try FileManager.default.contentsOfDirectory(atPath: out.path).sorted()
        #expect(!left.contains { $0.contains(".promptc-") && !$0.hasPrefix(".promptc-") }, "no temporary files: \(left)")
        #expect(!left.contains("stalled.alaw"))
        // Every output the journal records exists; the next run finds them all up to date.
        let journal = (try? String(contentsOfFile: out.appendingPathComponent(".promptc-journal").path, encoding: .utf8)) ?? ""
        #expect(journal.split(separator: "\n").count == 4, "four finished outputs journaled")
        for name in names {
            let base = URL(fileURLWithPath: name).deletingPathExtension().lastPathComponent
            #expect(left.contains(base + ".alaw"))
        }
        let again = try runPromptc(["batch"] + inputs + ["-o", out.path])
        #expect(again.status == 0 && again.stderr.contains("0 converted, 4 unchanged"), "\(again.stderr)")
    }

    @Test("--prune keeps the outputs of sources that are excluded but still exist")
    func pruneKeepsExcluded() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("src"), out = dir.appendingPathComponent("out")
        try FileManager.default.createDirectory(at: src.appendingPathComponent("drafts"), withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture("speech/speech-16k-mono.wav"), toPath: src.appendingPathComponent("a.wav").path)
        try FileManager.default.copyItem(atPath: fixture("speech/speech-8k-mono.wav"), toPath: src.appendingPathComponent("drafts/b.wav").path)
        #expect(try runPromptc(["batch", src.path, "-o", out.path]).status == 0)
        #expect(FileTree.list(out.path) == ["a.alaw", "drafts/b.alaw"])
        let r = try runPromptc(["batch", src.path, "-o", out.path, "--exclude", "drafts/*", "--prune"])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(!r.stderr.contains("pruned"), "\(r.stderr)")
        #expect(FileTree.list(out.path) == ["a.alaw", "drafts/b.alaw"])
        // Gone for real: now it is pruned.
        try FileManager.default.removeItem(at: src.appendingPathComponent("drafts/b.wav"))
        let gone = try runPromptc(["batch", src.path, "-o", out.path, "--exclude", "drafts/*", "--prune"])
        #expect(gone.stderr.contains("pruned \(out.path)/drafts/b.alaw"))
        #expect(FileTree.list(out.path) == ["a.alaw"])
    }

    @Test("output folder mistakes get one sentence and create nothing; -q still prints the summary")
    func outputFolderMistakes() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let src = dir.appendingPathComponent("src")
        try FileManager.default.createDirectory(at: src, withIntermediateDirectories: true)
        try FileManager.default.copyItem(atPath: fixture("speech/speech-8k-mono.wav"), toPath: src.appendingPathComponent("a.wav").path)
        func oneLine(_ r: RunResult) -> Bool {
            r.stderr.split(separator: "\n").count == 1 && !r.stderr.contains("Domain") && !r.stderr.contains("Error(")
        }
        // The source folder as the output folder.
        let same = try runPromptc(["batch", src.path, "-o", src.path])
        #expect(same.status == 2 && oneLine(same) && same.stderr.contains("is also the output folder"), "\(same.stderr)")
        #expect(FileTree.list(src.path) == ["a.wav"])
        // A missing source: the output folder is not created.
        let out = dir.appendingPathComponent("out")
        let missing = try runPromptc(["batch", dir.appendingPathComponent("nonexist").path, "-o", out.path])
        #expect(missing.status == 2 && oneLine(missing) && missing.stderr.contains("no such file or folder"))
        #expect(!FileManager.default.fileExists(atPath: out.path))
        // An existing file, or a file name, as the output folder.
        let file = dir.appendingPathComponent("a.mp3")
        try FileManager.default.copyItem(atPath: fixture("speech/speech-44k-cbr128.mp3"), toPath: file.path)
        let asFile = try runPromptc(["batch", src.path, "-o", file.path])
        #expect(asFile.status == 2 && oneLine(asFile) && asFile.stderr.contains("is a file, not a folder"), "\(asFile.stderr)")
        let named = try runPromptc(["batch", src.path, "-o", dir.appendingPathComponent("b.alaw").path])
        #expect(named.status == 2 && oneLine(named) && named.stderr.contains("looks like a file name"), "\(named.stderr)")
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("b.alaw").path))
        // -q: no progress lines, but the summary.
        let quiet = try runPromptc(["batch", src.path, "-o", out.path, "-q"])
        #expect(quiet.status == 0 && quiet.stderr.hasPrefix("1 converted, 0 unchanged"), "\(quiet.stderr)")
    }

    @Test("a damaged manifest is an error naming it, and is left as it was")
    func damagedManifest() throws {
        let dir = try temporaryFolder(); defer { try? FileManager.default.removeItem(at: dir) }
        let out = dir.appendingPathComponent("out")
        #expect(try runPromptc(["batch", fixture("speech/speech-8k-mono.wav"), "-o", out.path]).status == 0)
        let manifest = out.appendingPathComponent(".promptc-manifest.json")
        let damaged = Data("{\"version\": 1, \"outputs\": {\"speech-8k".utf8)
        try damaged.write(to: manifest)
        let r = try runPromptc(["batch", fixture("speech/speech-8k-mono.wav"), "-o", out.path])
        #expect(r.status != 0 && r.stderr.contains(manifest.path), "\(r.stderr)")
        #expect(try Data(contentsOf: manifest) == damaged)
    }
}
