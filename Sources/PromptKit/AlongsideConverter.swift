import AudioIO
import FoundationEssentials
#if canImport(Glibc)
import Glibc
#endif

/// Settings of `batch --alongside`.
public struct AlongsideOptions: Sendable {
    /// The formats to add next to every prompt.
    public var formats: [PromptFormat] = []
    /// Make them from this format only (and also where it would lower the audio).
    public var from: PromptFormat?
    /// Replace existing files of the requested formats (kept in a backup for `--undo`).
    public var force = false
    /// Say what would be added and skipped; write nothing.
    public var dryRun = false
    public var conversion = ConversionOptions()
    public init() {}
}

/// What `batch --alongside` did for one format of one prompt.
public struct AlongsideItem: Sendable, Codable, Equatable {
    public enum Status: String, Sendable, Codable { case added, replaced, kept, skipped, failed, wouldAdd = "would-add" }
    /// The prompt: its path in the tree without extension (`en/custom/welcome`).
    public var prompt: String
    public var format: String
    public var status: Status
    /// The file it was made from, for added and replaced files.
    public var source: String?
    /// Why it was kept, skipped or failed.
    public var reason: String?
}

/// Adds formats to a live sounds tree (`promptc batch SOUNDS --alongside --format
/// g722,sln16`): each requested format is written next to each prompt that lacks it, made
/// from the best format that prompt already has: wider rates first, then lossless PCM,
/// then G.711, G.722, GSM, G.729, and never from one that would lower it (no wideband file
/// from 8 kHz audio) unless `from` names the source. What a run added or replaced is
/// recorded in `SOUNDS/.promptc-alongside.json`; ``undo(_:)`` takes the last run back
/// exactly (added files removed, replaced ones restored from `.promptc-backup/`).
public enum AlongsideConverter {
    /// How good a source a format is: lossless PCM, then G.711, G.722, GSM, G.729.
    static func tier(_ f: PromptFormat) -> Int {
        switch f.rawValue {
        case let r where r.hasPrefix("sln") || r.hasPrefix("wav"): 4
        case "alaw", "ulaw": 3
        case "g722": 2
        case "gsm": 1
        default: 0
        }
    }

    /// The best source for `target` among `available`: one that does not lower it (its rate
    /// at least the target's), then the better tier, then the higher rate.
    static func bestSource(for target: PromptFormat, among available: [PromptFormat]) -> PromptFormat? {
        available.filter { $0 != target && $0.sampleRate >= target.sampleRate && $0.spec.isPrompt }
            .max { (tier($0), $0.sampleRate) < (tier($1), $1.sampleRate) }
    }

    struct Run: Codable { var time: String; var added: [String]; var replaced: [Replaced] }
    struct Replaced: Codable { var file: String; var backup: String }
    struct Manifest: Codable { var version = 1; var runs: [Run] = [] }

    static func manifestPath(_ tree: String) -> String { tree + "/.promptc-alongside.json" }

    /// Adds the formats; one item per prompt and requested format.
    public static func run(_ tree: String, options: AlongsideOptions) throws -> [AlongsideItem] {
        var isDir = false
        guard FileManager.default.fileExists(atPath: tree, isDirectory: &isDir), isDir else {
            throw ConversionError.usage("\(tree): not a folder; --alongside adds formats to a sounds tree")
        }
        let lock = options.dryRun ? nil : try FolderLock(folder: tree, wait: false)
        defer { lock?.release() }
        // Prompts: files of prompt formats, grouped by path without extension.
        var prompts: [String: [PromptFormat]] = [:]
        for rel in FileTree.walk(tree).files {
            guard let f = PromptFormat.forExtension(AudioDecoder.fileExtension(rel)), f.spec.isPrompt else { continue }
            prompts[PathName.deletingExtension(rel), default: []].append(f)
        }
        let stamp = formatted("%ld", time(nil))
        var run = Run(time: stamp, added: [], replaced: [])
        var items: [AlongsideItem] = []
        for (prompt, have) in prompts.sorted(by: { $0.key < $1.key }) {
            // Which source makes which targets.
            var plan: [PromptFormat: [PromptFormat]] = [:]
            for target in options.formats {
                if have.contains(target) && !options.force {
                    items.append(AlongsideItem(prompt: prompt, format: target.rawValue, status: .kept, reason: "already has .\(target.fileExtension) (--force replaces it)"))
                    continue
                }
                let source: PromptFormat?
                if let from = options.from {
                    source = have.contains(from) && from != target ? from : nil
                    if source == nil {
                        items.append(AlongsideItem(prompt: prompt, format: target.rawValue, status: .skipped, reason: "has no .\(from.fileExtension) to make it from"))
                        continue
                    }
                } else {
                    source = bestSource(for: target, among: have)
                    if source == nil {
                        let widest = have.filter { $0 != target }.map(\.sampleRate).max() ?? 0
                        let why = widest == 0 ? "has no other format to make it from"
                            : "would be made from \(widest / 1000) kHz audio, lower than its \(target.sampleRate / 1000) kHz (--from names a source to make it anyway)"
                        items.append(AlongsideItem(prompt: prompt, format: target.rawValue, status: .skipped, reason: why))
                        continue
                    }
                }
                plan[source!, default: []].append(target)
            }
            for (source, targets) in plan.sorted(by: { $0.key.rawValue < $1.key.rawValue }) {
                let input = tree + "/" + prompt + "." + source.fileExtension
                if options.dryRun {
                    items += targets.map { AlongsideItem(prompt: prompt, format: $0.rawValue, status: .wouldAdd, source: input) }
                    continue
                }
                do {
                    var c = options.conversion
                    c.overwrite = options.force
                    // Back up what --force replaces, so the run can be undone exactly.
                    var replaced: [Replaced] = []
                    for t in targets where have.contains(t) {
                        let rel = prompt + "." + t.fileExtension
                        let backup = ".promptc-backup/alongside-\(stamp)/" + rel
                        try FileManager.default.createDirectory(atPath: PathName.deletingLastComponent(tree + "/" + backup), withIntermediateDirectories: true)
                        try? FileManager.default.removeItem(atPath: tree + "/" + backup)
                        try FileManager.default.copyItem(atPath: tree + "/" + rel, toPath: tree + "/" + backup)
                        replaced.append(Replaced(file: rel, backup: backup))
                    }
                    let outputs = targets.map { OutputTarget(path: tree + "/" + prompt + "." + $0.fileExtension, format: $0) }
                    _ = try Converter.convert(input: input, outputs: outputs, options: c)
                    run.replaced += replaced
                    for t in targets {
                        let replacedIt = have.contains(t)
                        if !replacedIt { run.added.append(prompt + "." + t.fileExtension) }
                        items.append(AlongsideItem(prompt: prompt, format: t.rawValue, status: replacedIt ? .replaced : .added, source: input))
                    }
                } catch let e as AudioIOError where e.kind == .empty {
                    // An empty prompt (Debian's stock tree has one): nothing to make, nothing wrong.
                    items += targets.map { AlongsideItem(prompt: prompt, format: $0.rawValue, status: .skipped, source: input, reason: "its .\(source.fileExtension) is empty: nothing to make it from") }
                } catch {
                    items += targets.map { AlongsideItem(prompt: prompt, format: $0.rawValue, status: .failed, source: input, reason: "\(error)") }
                }
            }
        }
        if !options.dryRun && !(run.added.isEmpty && run.replaced.isEmpty) {
            var m = try loadManifest(tree)
            m.runs.append(run)
            try saveManifest(m, tree)
        }
        return items
    }

    /// Takes the last run back: removes what it added, restores what it replaced. Returns
    /// one line per file.
    public static func undo(_ tree: String) throws -> [String] {
        let lock = try FolderLock(folder: tree, wait: false)
        defer { lock.release() }
        var m = try loadManifest(tree)
        guard let last = m.runs.popLast() else { throw ConversionError.usage("\(manifestPath(tree)): no --alongside run to undo") }
        var lines: [String] = []
        for rel in last.added {
            guard !rel.hasPrefix("/"), !rel.split(separator: "/").contains("..") else { continue }
            if unlink(tree + "/" + rel) == 0 { lines.append("removed \(tree)/\(rel)") } else { lines.append("already gone: \(tree)/\(rel)") }
        }
        for r in last.replaced where !r.file.split(separator: "/").contains("..") && !r.backup.split(separator: "/").contains("..") {
            guard rename(tree + "/" + r.backup, tree + "/" + r.file) == 0 else {
                throw ConversionError.failed("\(tree)/\(r.file): cannot restore from \(tree)/\(r.backup): \(String(cString: strerror(errno)))")
            }
            lines.append("restored \(tree)/\(r.file)")
        }
        try saveManifest(m, tree)
        return lines
    }

    static func loadManifest(_ tree: String) throws -> Manifest {
        guard let d = FileManager.default.contents(atPath: manifestPath(tree)) else { return Manifest() }
        guard let m = try? JSONDecoder().decode(Manifest.self, from: d) else {
            throw ConversionError.failed("\(manifestPath(tree)): not a promptc --alongside manifest (damaged?); it was left as it is")
        }
        return m
    }

    static func saveManifest(_ m: Manifest, _ tree: String) throws {
        let e = JSONEncoder()
        e.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
        let file = try OutputFile(path: manifestPath(tree), overwrite: true)
        try file.write([UInt8](try e.encode(m)))
        try file.commit()
    }
}
