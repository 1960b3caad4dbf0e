import AudioIO
import DSP
import FoundationEssentials
import Threads
#if canImport(Glibc)
import Glibc
#endif

/// Settings of `promptc batch`.
public struct BatchOptions: Sendable {
    public var formats: [PromptFormat] = [.alaw]
    /// Globs on the path relative to its source folder (or the file name); `*` crosses `/`.
    public var include: [String] = []
    public var exclude: [String] = []
    public var jobs = max(1, ProcessInfo.processInfo.activeProcessorCount)
    public var force = false
    public var prune = false
    /// Say what would be converted, left alone and pruned; write nothing (not even the
    /// output folder or its lock).
    public var dryRun = false
    /// Convert files reached through symbolic links that lead outside the source folders.
    public var followSymlinks = false
    public var failFast = false
    /// Convert only this share of the inputs (see ``BatchShard``); nil for all.
    public var shard: BatchShard?
    public var conversion = ConversionOptions()

    public init() {}

    /// What must match for an existing output to count as up to date.
    var fingerprint: String {
        let c = conversion
        return "promptc-1|\(c.channel.map(String.init) ?? "mean")|\(c.quality.passbandEdge)/\(c.quality.stopbandEdge)/\(c.quality.attenuationDB)|fast=\(c.decoderFastPath)|strict=\(c.strict)" + (c.highpass.map { "|highpass=\($0)" } ?? "") + (c.normalize.map { "|normalize=\($0)" } ?? "") + (c.gainDB.map { "|gain=\($0)" } ?? "")
            + (c.limiterCeiling.map { "|limit=\($0)" } ?? "") + (c.trim.map { "|trim=\($0)" } ?? "")
            + (c.effectiveFade.map { "|fade=\($0)" } ?? "") + (c.leadIn.map { "|leadin=\($0)" } ?? "")
            + (c.start.map { "|start=\($0)" } ?? "") + (c.duration.map { "|duration=\($0)" } ?? "") + (c.denoise.map { "|denoise=\($0)" } ?? "")
    }
}

/// One of `count` disjoint shares of a batch's inputs, so several machines (or processes)
/// can convert one library into one output tree with no coordinator: an input belongs to
/// share `index` when a stable hash of its path relative to its source folder (FNV-1a,
/// 64 bits, of the UTF-8 bytes), modulo `count`, is `index - 1`. Every run with the same
/// `count` splits the inputs the same way, on any machine.
public struct BatchShard: Sendable, Equatable, CustomStringConvertible {
    /// Which share, 1...count.
    public let index: Int
    public let count: Int

    public init(index: Int, count: Int) throws {
        guard count >= 1, (1...count).contains(index) else {
            throw ConversionError.usage("a shard is K/N with 1 <= K <= N, like 2/8; \(index)/\(count) is not")
        }
        self.index = index
        self.count = count
    }

    /// Parses "K/N".
    public init(parsing text: String) throws {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 2, let k = Int(parts[0]), let n = Int(parts[1]) else {
            throw ConversionError.usage("a shard is K/N with 1 <= K <= N, like 2/8; '\(text)' is not")
        }
        try self.init(index: k, count: n)
    }

    public var description: String { "\(index)/\(count)" }

    /// Whether the input at `relativePath` (relative to its source folder) is this share's.
    public func contains(_ relativePath: String) -> Bool {
        Int(Self.hash(relativePath) % UInt64(count)) == index - 1
    }

    /// FNV-1a, 64 bits: stable across runs, machines and Swift versions (Swift's own
    /// `Hasher` is seeded per process).
    static func hash(_ text: String) -> UInt64 {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        for b in text.utf8 { h = (h ^ UInt64(b)) &* 0x0000_0100_0000_01B3 }
        return h
    }

    /// The suffix of this shard's journal in the output folder.
    var journalSuffix: String { ".\(index)-of-\(count)" }
}

/// What happened to one input.
public struct BatchItemReport: Sendable, Codable {
    public enum Status: String, Sendable, Codable {
        case converted, unchanged, skipped, failed, conflict
        /// `--dry-run`: would be converted.
        case wouldConvert = "would-convert"
    }
    public var source: String
    public var status: Status
    public var inputFormat: String?
    public var durationSeconds: Double?
    public var outputs: [String]
    public var warnings: [String]
    public var error: String?
    public var seconds: Double
}

/// The outcome of a batch run.
public struct BatchReport: Sendable, Codable {
    public var items: [BatchItemReport]
    /// Outputs whose source is gone (removed when `prune` was set).
    public var orphans: [String]
    public var pruned: Bool
    public var audioSeconds: Double
    public var wallSeconds: Double

    public func count(_ s: BatchItemReport.Status) -> Int { items.filter { $0.status == s }.count }
    public var succeeded: Bool { count(.failed) == 0 && count(.conflict) == 0 }
}

/// Converts trees of recordings into mirrored trees of prompts, in parallel and
/// incrementally (see ``BatchManifest``).
public final class BatchConverter: Sendable {
    public let sources: [String]
    public let outputDirectory: String
    public let options: BatchOptions
    public init(sources: [String], outputDirectory: String, options: BatchOptions) {
        self.sources = sources
        self.outputDirectory = outputDirectory.hasSuffix("/") && outputDirectory.count > 1 ? String(outputDirectory.dropLast()) : outputDirectory
        self.options = options
    }

    struct Job: Sendable {
        var path: String          // as given / found
        var relative: String      // mirrored path, extension included
        var givenByName: Bool
    }

    /// Progress of a run, delivered on the thread that called ``run(progress:)``.
    public enum Event: Sendable {
        case item(BatchItemReport, done: Int, total: Int, audioSeconds: Double)
    }

    /// Converts everything; `progress` sees each finished input as it comes.
    public func run(progress: ((Event) -> Void)? = nil) throws -> BatchReport {
        let start = Date()
        // 1. Check the sources and the output folder before anything is created.
        let outAbs = URL(fileURLWithPath: outputDirectory).standardizedFileURL.path
        var sourceIsFolder: [Bool] = []
        for src in sources {
            var isDir = false
            guard FileManager.default.fileExists(atPath: src, isDirectory: &isDir) else {
                throw ConversionError.usage("\(src): no such file or folder")
            }
            if isDir && URL(fileURLWithPath: src).standardizedFileURL.path == outAbs {
                throw ConversionError.usage("\(src): is also the output folder; give another folder with -o (it may be inside the source folder)")
            }
            sourceIsFolder.append(isDir)
        }
        var locks: [FolderLock] = []
        if options.dryRun {
            try Self.checkOutputFolder(outputDirectory)
        } else {
            try Self.prepareOutputFolder(outputDirectory)
            // One batch at a time per output folder: a second one refuses at once. Shards
            // share the folder (each converts its own inputs and keeps its own journal),
            // but not with an unsharded batch, nor with the same shard run twice.
            if let shard = options.shard {
                locks.append(try FolderLock(folder: outputDirectory, wait: false, shared: true))
                locks.append(try FolderLock(folder: outputDirectory, wait: false, name: ".promptc-lock" + shard.journalSuffix))
            } else {
                locks.append(try FolderLock(folder: outputDirectory, wait: false))
            }
        }
        defer { locks.forEach { $0.release() } }
        var manifest = try BatchManifest.load(outputDirectory, journal: options.shard?.journalSuffix ?? "")
        var items: [BatchItemReport] = []

        // 2. Find inputs.
        var jobs: [Job] = []
        for (src, isFolder) in zip(sources, sourceIsFolder) {
            if isFolder {
                let tree = FileTree.walk(src, includeHiddenFiles: true, skipping: outAbs, followingLinksOutside: options.followSymlinks)
                for rel in tree.files {
                    jobs.append(Job(path: src + "/" + rel, relative: rel, givenByName: false))
                }
                for rel in tree.linksOutside where options.shard?.contains(rel) ?? true {
                    items.append(BatchItemReport(source: src + "/" + rel, status: .skipped, outputs: [], warnings: [],
                                                 error: "a symbolic link to a file outside \(src) (--follow-symlinks converts it)", seconds: 0))
                }
            } else {
                jobs.append(Job(path: src, relative: PathName.lastComponent(src), givenByName: true))
            }
        }
        // Sources that exist, excluded or not: an excluded source's outputs are not orphans.
        let present = Set(jobs.map(\.relative))
        jobs = jobs.filter { j in
            let name = PathName.lastComponent(j.relative)
            let included = options.include.isEmpty || options.include.contains { fnmatch($0, j.relative, 0) == 0 || fnmatch($0, name, 0) == 0 }
            let excluded = options.exclude.contains { fnmatch($0, j.relative, 0) == 0 || fnmatch($0, name, 0) == 0 }
            return included && !excluded
        }
        // A shard converts its share, but two inputs that would write the same output are
        // a conflict whichever shards they fall in: it also looks at (and only at) the
        // inputs of other shares that share an output name with one of its own.
        var mine = Set(jobs.map(\.path))
        if let shard = options.shard {
            mine = Set(jobs.filter { shard.contains($0.relative) }.map(\.path))
            var byOutput: [String: [String]] = [:]
            for j in jobs { for o in outputs(j) { byOutput[o.path, default: []].append(j.path) } }
            let related = Set(byOutput.values.filter { $0.contains(where: mine.contains) }.flatMap { $0 })
            jobs = jobs.filter { related.contains($0.path) }
        }

        // 3. Recognise audio by content; skip the rest with a note.
        var audio: [Job] = []
        for j in jobs {
            // Named inputs are converted whatever they hold (the decoder says why one fails);
            // not probing them here also keeps a pipe named on the command line unread.
            if j.givenByName { audio.append(j); continue }
            let ext = AudioDecoder.fileExtension(j.path)
            let head = (try? ByteSource(path: j.path).peekOrThrow(65536)) ?? []
            let kind = head.isEmpty ? AudioDecoder.Detection.unknown : AudioDecoder.detect(head, fileExtension: ext)
            if kind == .text || kind == .unknown {
                if FormatRegistry.looksLikeAudio(extension: ext) {
                    audio.append(j)   // looks like audio by name: let the decoder say why it fails
                } else if mine.contains(j.path) {
                    items.append(BatchItemReport(source: j.path, status: .skipped, outputs: [], warnings: [],
                                                 error: kind == .text ? "not audio (text)" : "not audio", seconds: 0))
                }
            } else {
                audio.append(j)
            }
        }

        // 3. Conflicts: two inputs that would write the same output, reported before any work.
        var writers: [String: [Job]] = [:]
        for j in audio { for o in outputs(j) { writers[o.path, default: []].append(j) } }
        let conflicted = Set(writers.values.filter { $0.count > 1 }.flatMap { $0.map(\.path) })
        for (path, js) in writers.sorted(by: { $0.key < $1.key }) where js.count > 1 {
            for j in js where mine.contains(j.path) {
                items.append(BatchItemReport(source: j.path, status: .conflict, outputs: [path], warnings: [],
                                             error: "\(js.map(\.path).joined(separator: " and ")) would \(js.count == 2 ? "both" : "all") write \(path); nothing was written for them",
                                             seconds: 0))
            }
        }
        audio = audio.filter { !conflicted.contains($0.path) && mine.contains($0.path) }
        let planned = Set(audio.flatMap { outputs($0).map(\.path) })

        // 4. Orphans: outputs in the manifest whose source no longer exists (a shard looks
        //    only at its own: those whose source path falls in its share).
        let orphans = manifest.outputs.filter { o in
            let source = manifest.entry(o)?.source ?? ""
            return !planned.contains(outputDirectory + "/" + o) && !present.contains(source) && (options.shard?.contains(source) ?? true)
        }.sorted()
        if options.prune && !options.dryRun {
            for o in orphans {
                // Only inside the output folder, whatever the manifest says.
                let parts = o.split(separator: "/")
                let path = outputDirectory + "/" + o
                guard !o.hasPrefix("/"), !parts.contains(".."), RealPath.isInside(PathName.deletingLastComponent(path), root: outputDirectory) else {
                    throw ConversionError.failed("\(manifest.manifestPath): names '\(o)', which is not inside \(outputDirectory); nothing was pruned")
                }
                unlink(path)
                manifest.remove(o)
            }
        }

        let fingerprint = options.fingerprint
        if options.dryRun {
            // What a run would do, from the manifest alone: nothing is written.
            for j in audio.sorted(by: { $0.path < $1.path }) {
                let outs = outputs(j)
                let fresh = !options.force && upToDate(j, outputs: outs, manifest: manifest, fingerprint: fingerprint).fresh
                items.append(BatchItemReport(source: j.path, status: fresh ? .unchanged : .wouldConvert, outputs: outs.map(\.path),
                                             warnings: nameWarnings(j), error: nil, seconds: 0))
            }
            return BatchReport(items: items, orphans: orphans, pruned: false, audioSeconds: 0, wallSeconds: Date().timeIntervalSince(start))
        }

        // 5. Convert, in parallel: each worker takes the next input until none are left and
        //    posts what happened; this thread hands the events on, so slow progress output
        //    never holds a worker up.
        let journal = try manifest.openJournal()
        let frozen = manifest
        let work = audio
        let queue = WorkQueue(count: work.count)
        let workers = (0..<max(1, min(options.jobs, work.count))).map { _ in
            WorkerThread { [self] in
                while let i = queue.take() {
                    queue.post(convertOne(work[i], outputs: outputs(work[i]), manifest: frozen, fingerprint: fingerprint, journal: journal),
                               stopAfter: options.failFast)
                }
            }
        }
        var results: [BatchItemReport] = []
        var audioSeconds = 0.0
        while let item = queue.nextEvent() {
            results.append(item)
            if item.status == .converted { audioSeconds += item.durationSeconds ?? 0 }
            progress?(.item(item, done: results.count, total: work.count, audioSeconds: audioSeconds))
        }
        workers.forEach { $0.join() }
        journal.close()
        if options.shard != nil {
            // Other shards may have saved the manifest meanwhile: merge into what is on
            // disk now, one shard at a time.
            let merging = try FolderLock(folder: outputDirectory, wait: true, name: ".promptc-merge-lock")
            defer { merging.release() }
            var current = try BatchManifest.load(outputDirectory, journal: manifest.journalSuffix)
            for o in orphans where options.prune { current.remove(o) }
            try current.save()
        } else {
            try manifest.absorbJournal()
            try manifest.save()
        }
        items += results.sorted { $0.source < $1.source }
        return BatchReport(items: items, orphans: orphans, pruned: options.prune, audioSeconds: audioSeconds,
                           wallSeconds: Date().timeIntervalSince(start))
    }

    /// The inputs still to convert, and the results the workers post.
    private final class WorkQueue: @unchecked Sendable {
        // Sendable: every field is read and written under `condition` only.
        private let condition = Condition()
        private let count: Int
        private var next = 0, running = 0, stopped = false
        private var events: [BatchItemReport] = []

        init(count: Int) { self.count = count }

        /// The next input's index, or nil when none are left (or after a stop).
        func take() -> Int? {
            condition.withLock {
                guard !stopped, next < count else { return nil }
                next += 1
                running += 1
                return next - 1
            }
        }

        func post(_ item: BatchItemReport, stopAfter failFast: Bool) {
            condition.withLock {
                events.append(item)
                running -= 1
                if item.status == .failed && failFast { stopped = true }
                condition.broadcast()
            }
        }

        /// The next posted result, waiting for one; nil once every taken input has posted
        /// and no more will be taken.
        func nextEvent() -> BatchItemReport? {
            condition.lock(); defer { condition.unlock() }
            while events.isEmpty {
                if running == 0 && (stopped || next >= count) { return nil }
                condition.wait()
            }
            return events.removeFirst()
        }
    }

    /// For `--dry-run`: the output folder may be missing, but not be a file.
    static func checkOutputFolder(_ path: String) throws {
        var isDir = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir), !isDir {
            throw ConversionError.usage("\(path): is a file, not a folder; batch writes a tree of prompts into a folder (-o DIR)")
        }
    }

    /// Creates the output folder (and its parents) or says in one sentence why it cannot.
    static func prepareOutputFolder(_ path: String) throws {
        var isDir = false
        if FileManager.default.fileExists(atPath: path, isDirectory: &isDir) {
            if isDir { return }
            throw ConversionError.usage("\(path): is a file, not a folder; batch writes a tree of prompts into a folder (-o DIR)")
        }
        let ext = AudioDecoder.fileExtension(path).lowercased()
        if FormatRegistry.looksLikeAudio(extension: ext) {
            throw ConversionError.usage("\(path): looks like a file name; batch writes a tree of prompts into a folder (-o DIR; use convert for one file)")
        }
        var missing: [String] = []
        var d = path
        while !d.isEmpty && d != "/" && !FileManager.default.fileExists(atPath: d) {
            missing.append(d)
            d = PathName.deletingLastComponent(d)
        }
        for m in missing.reversed() where mkdir(m, 0o755) != 0 && errno != EEXIST {
            throw ConversionError.usage("\(m): cannot create the output folder: \(String(cString: strerror(errno)))")
        }
    }

    /// The mirrored outputs of one input: its relative path, one extension per format.
    func outputs(_ j: Job) -> [OutputTarget] {
        let base = PathName.deletingExtension(j.relative)
        return options.formats.map { OutputTarget(path: outputDirectory + "/" + base + "." + $0.fileExtension, format: $0) }
    }

    /// Whether every output of `job` is present and made from these bytes with these
    /// settings (by size and time, else by content hash, which is then returned).
    private func upToDate(_ job: Job, outputs: [OutputTarget], manifest: BatchManifest, fingerprint: String)
        -> (fresh: Bool, touched: Bool, hash: String?) {
        var st = stat()
        guard stat(job.path, &st) == 0 else { return (false, false, nil) }
        let size = Int64(st.st_size), mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        let entries = outputs.map { manifest.entry(String($0.path.dropFirst(outputDirectory.count + 1))) }
        let allPresent = zip(outputs, entries).allSatisfy { o, e in e != nil && access(o.path, F_OK) == 0 }
        guard allPresent, entries.allSatisfy({ $0!.settings == fingerprint && $0!.source == job.relative }) else { return (false, false, nil) }
        if entries.allSatisfy({ $0!.size == size && $0!.mtime == mtime }) { return (true, false, nil) }
        let hash = try? ContentHash.file(job.path)
        if let h = hash, entries.allSatisfy({ $0!.hash == h }) { return (true, true, h) }
        return (false, false, hash)
    }

    /// Names Asterisk cannot play as given (`Playback(sales & support)` breaks the
    /// dialplan): a warning for the source they come from.
    func nameWarnings(_ job: Job) -> [String] {
        let base = PathName.deletingExtension(job.relative)
        var parts = base.split(separator: "/").map(String.init)
        guard let name = parts.popLast() else { return [] }
        return parts.compactMap { PromptName.problem($0, what: "folder") }.map { "its output's \($0)" }
            + (PromptName.problem(name).map { ["its output's \($0)"] } ?? [])
    }

    private func convertOne(_ job: Job, outputs: [OutputTarget], manifest: BatchManifest, fingerprint: String,
                            journal: BatchManifest.Journal) -> BatchItemReport {
        let t0 = Date()
        var st = stat()
        guard stat(job.path, &st) == 0 else {
            return BatchItemReport(source: job.path, status: .failed, outputs: [], warnings: [], error: "\(job.path): cannot read", seconds: 0)
        }
        let size = Int64(st.st_size), mtime = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
        let rels = outputs.map { String($0.path.dropFirst(outputDirectory.count + 1)) }
        var hash: String?
        if !options.force {
            let check = upToDate(job, outputs: outputs, manifest: manifest, fingerprint: fingerprint)
            hash = check.hash
            if check.fresh {
                if check.touched, let h = check.hash {
                    // Touched but the same bytes: record the new time so the next run skips the hash.
                    for r in rels { journal.append(r, BatchManifest.Entry(source: job.relative, size: size, mtime: mtime, hash: h, settings: fingerprint)) }
                }
                return BatchItemReport(source: job.path, status: .unchanged, outputs: outputs.map(\.path), warnings: [], error: nil,
                                       seconds: Date().timeIntervalSince(t0))
            }
        }
        do {
            for o in outputs {
                let folder = PathName.deletingLastComponent(o.path)
                // A folder of the output tree that is a link to elsewhere is not written
                // through (checked before anything is created at its end).
                guard RealPath.isInside(folder, root: outputDirectory) else {
                    throw ConversionError.failed("\(folder): leads outside \(outputDirectory) through a symbolic link; promptc writes only inside the output folder")
                }
                try FileManager.default.createDirectory(atPath: folder, withIntermediateDirectories: true)
            }
            var c = options.conversion
            c.overwrite = true
            c.decodeAhead = options.jobs == 1   // one job at a time: let it use every core
            let report = try Converter.convert(input: job.path, outputs: outputs, options: c)
            let h = try hash ?? ContentHash.file(job.path)
            for r in rels { journal.append(r, BatchManifest.Entry(source: job.relative, size: size, mtime: mtime, hash: h, settings: fingerprint)) }
            return BatchItemReport(source: job.path, status: .converted, inputFormat: report.inputFormat, durationSeconds: report.inputSeconds,
                                   outputs: outputs.map(\.path), warnings: nameWarnings(job) + report.warnings.map(\.message), error: nil,
                                   seconds: Date().timeIntervalSince(t0))
        } catch {
            return BatchItemReport(source: job.path, status: .failed, outputs: [], warnings: [], error: "\(error)",
                                   seconds: Date().timeIntervalSince(t0))
        }
    }
}

/// The record, kept in OUTDIR, of which source content and settings made each output.
///
/// `.promptc-manifest.json` is rewritten atomically at the end of a run; during a run,
/// each finished output appends one line to `.promptc-journal` (after its file was
/// renamed into place). An interrupted run leaves a consistent manifest plus a journal,
/// which the next run folds in: it resumes where the last one stopped.
public struct BatchManifest: Sendable {
    public struct Entry: Codable, Sendable, Equatable {
        public var source: String
        public var size: Int64
        public var mtime: Int64
        public var hash: String
        public var settings: String
    }
    struct File: Codable { var version: Int; var outputs: [String: Entry] }
    struct JournalLine: Codable { var output: String; var entry: Entry }

    let directory: String
    private(set) var entries: [String: Entry]
    /// Which journal this run writes: "" for an unsharded batch, ".K-of-N" for a shard.
    let journalSuffix: String
    var outputs: [String] { Array(entries.keys) }
    var manifestPath: String { directory + "/.promptc-manifest.json" }
    var journalPath: String { directory + "/.promptc-journal" + journalSuffix }

    /// The manifest with every journal in the folder folded in: its own (left by an
    /// interrupted run), the unsharded one and every shard's (a shard's may still grow;
    /// what it holds so far is true).
    static func load(_ directory: String, journal suffix: String = "") throws -> BatchManifest {
        var m = BatchManifest(directory: directory, entries: [:], journalSuffix: suffix)
        if let data = FileManager.default.contents(atPath: m.manifestPath) {
            guard let file = try? JSONDecoder().decode(File.self, from: data) else {
                throw ConversionError.failed("\(m.manifestPath): the batch manifest is damaged, so promptc cannot tell which outputs are up to date; move it away to convert everything again")
            }
            m.entries = file.outputs
        }
        for path in m.journalPaths() { try m.absorbJournal(path) }
        return m
    }

    /// The journals in the folder: the unsharded one first, then the shards'.
    func journalPaths() -> [String] {
        let base = ".promptc-journal"
        let shards = ((try? FileManager.default.contentsOfDirectory(atPath: directory)) ?? [])
            .filter { $0.hasPrefix(base + ".") && $0.hasSuffix(".tmp") == false }.sorted()
        return ([base] + shards).map { directory + "/" + $0 }
    }

    func entry(_ output: String) -> Entry? { entries[output] }
    mutating func remove(_ output: String) { entries[output] = nil }

    /// Folds the journal of an earlier (perhaps interrupted) run into the entries. Only its
    /// last line may be cut short (a run killed while appending); other damage is an error.
    mutating func absorbJournal(_ path: String? = nil) throws {
        let journalPath = path ?? self.journalPath
        guard let data = FileManager.default.contents(atPath: journalPath) else { return }
        let lines = data.split(separator: UInt8(ascii: "\n"), omittingEmptySubsequences: false)
        for (i, line) in lines.enumerated() where !line.isEmpty {
            if let l = try? JSONDecoder().decode(JournalLine.self, from: Data(line)) {
                entries[l.output] = l.entry
            } else if i != lines.count - 1 {
                throw ConversionError.failed("\(journalPath): line \(i + 1) of the batch journal is damaged; move the file away to convert everything again")
            }
        }
    }

    /// Writes the manifest atomically and removes the journals it holds: this run's and
    /// the unsharded one; an unsharded run (which holds the folder alone) every shard's too.
    func save() throws {
        let encoder = JSONEncoder()
        encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let out = try OutputFile(path: manifestPath, overwrite: true)
        try out.write([UInt8](try encoder.encode(File(version: 1, outputs: entries))))
        try out.commit()
        let base = directory + "/.promptc-journal"
        for path in journalSuffix.isEmpty ? journalPaths() : [journalPath, base] { unlink(path) }
    }

    func openJournal() throws -> Journal { try Journal(path: journalPath) }

    /// Append-only log of finished outputs; one write per line, flushed to disk.
    final class Journal: Sendable {
        private let fd: Int32
        private let lock = Locked(())
        init(path: String) throws {
            // Never through a symbolic link planted at the journal's name.
            fd = open(path, O_WRONLY | O_CREAT | O_APPEND | O_CLOEXEC | O_NOFOLLOW, 0o644)
            if fd < 0 { throw AudioIOError(.writeFailed, path, "cannot open: \(String(cString: strerror(errno)))") }
        }
        func append(_ output: String, _ entry: Entry) {
            guard var line = try? JSONEncoder().encode(JournalLine(output: output, entry: entry)) else { return }
            line.append(UInt8(ascii: "\n"))
            lock.withLock { _ in _ = line.withUnsafeBytes { write(fd, $0.baseAddress!, $0.count) } }
        }
        func close() { _ = Glibc.close(fd) }
    }
}

/// A fast 64-bit content fingerprint (not cryptographic): it only has to notice that
/// a recording changed.
enum ContentHash {
    static func file(_ path: String) throws -> String {
        var h: UInt64 = 0xCBF2_9CE4_8422_2325
        var total: UInt64 = 0
        try ByteSource(path: path).forEachChunk { raw in
            let n = raw.count
            total &+= UInt64(n)
            var i = 0
            while i + 8 <= n {
                h = (h ^ raw.loadUnaligned(fromByteOffset: i, as: UInt64.self)) &* 0x0000_0100_0000_01B3
                h ^= h >> 29
                i += 8
            }
            while i < n { h = (h ^ UInt64(raw[i])) &* 0x0000_0100_0000_01B3; i += 1 }
        }
        h ^= total
        return String(h, radix: 16)
    }
}
