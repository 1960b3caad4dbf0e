import CMPG123
import Threads
#if canImport(Glibc)
import Glibc
#endif

/// Decodes a seekable MPEG-1 Layer III file on several threads, in segments of whole
/// MPEG frames, and hands the samples out in order; for an intact stream the output is
/// bit-identical to decoding it from start to end on one thread (tested on every MPEG-1
/// Layer III fixture). After damaged data, which a one-pass decode skips frames over,
/// the two differ in the last float bit (2^-24) from there on: the skipped frames shift
/// the one-pass decoder's synthesis ring.
///
/// What makes it exact (each point measured against a one-pass decode):
/// - every segment gets a fresh libmpg123 handle: a handle that has decoded before keeps
///   state across seeks (the synthesis window's ring position at reduced rate), and its
///   output drifts in the last float bit; it also reports positions a few samples off;
/// - segments start on multiples of 16 frames: at reduced-rate synthesis the ring
///   advances 36 or 18 slots of 16 per frame, so there a fresh handle finds it where a
///   one-pass decode has it (at full rate every frame works);
/// - the frame index is built once (`mpg123_scan`) and copied into every handle, so seeks
///   land on the frame, never near it by the Xing table of contents;
/// - 8 look-ahead frames after a seek refill the bit reservoir (VBR files with small
///   frames needed more than libmpg123's default).
///
/// Memory stays flat: at most `threads + 2` segments (about 512 KiB each) exist at a time.
/// One segment of slack beyond one per worker keeps both cores busy; more gained nothing.
final class MP3SegmentDecoder: @unchecked Sendable {
    // Sendable: the workers touch `finished`, `spare`, `consuming`, `stopping` and
    // `running` only with `condition` held, and the immutable setup; each owns its handle.
    /// Files smaller than this decode on one thread: starting workers costs more than it saves.
    static let minimumFileSize: Int64 = 2 << 20

    /// Why a segment stopped early. The owning MP3Source then decodes in one pass from the
    /// start, which tells damage from a real change of format (see MP3Source.read).
    enum Failure: Error {
        case formatChange(String)
        case decoding(String)
    }

    private struct Segment {
        /// Output frame of the first sample (checked against the frames handed out so far).
        var start = 0
        var samples: [Float] = []
        /// The stream ended in (or before) this segment.
        var isLast = false
        var failure: Failure?
    }

    /// Settings every worker handle is opened with.
    private struct Setup {
        let input: ByteSource.Reopener
        let monoMix: Bool
        let divisor: Int
        let rate: Int
        let index: [off_t]
        let indexStep: off_t
    }

    let segmentFrames: Int
    private let threads: Int
    private let channels: Int
    /// Segments in the stream (segment k: MPEG frames from k * segmentFrames).
    private let segmentCount: Int
    private let samplesPerFrame: Int
    private var handedOut = 0              // output frames returned by read()
    private let condition = Condition()
    private var finished: [Int: Segment] = [:]
    /// Sample buffers of segments already handed out, for the workers to fill again: at
    /// most threads + 2 ever exist, and reusing them spares a fresh 512 KiB (page faults,
    /// and glibc keeping freed ones in each thread's arena) per segment.
    private var spare: [[Float]] = []
    private var consuming = 0               // index of the segment being handed out
    private var current: Segment?
    private var offset = 0                  // samples of `current` already handed out
    private var stopping = false
    private var running = 0
    private var ended = false
    private var pendingFailure: Failure?

    /// Plans the segments on `handle` (opened on `path`, not yet decoded from), then starts
    /// the workers. Nil when libmpg123 cannot index the stream.
    /// - Parameter samplesPerFrame: output frames per MPEG frame (after reduced-rate synthesis).
    init?(handle h: OpaquePointer, input: ByteSource.Reopener, threads: Int, monoMix: Bool, divisor: Int, rate: Int, channels: Int,
          samplesPerFrame: Int, segmentFrames: Int?) {
        guard promptc_mpg123_scan(h) == Int32(MPG123_OK.rawValue) else { return nil }
        var offsets: UnsafeMutablePointer<off_t>?
        var step: off_t = 0
        var fill = 0
        guard promptc_mpg123_index(h, &offsets, &step, &fill) == Int32(MPG123_OK.rawValue), let offsets, fill > 0 else { return nil }
        let setup = Setup(input: input, monoMix: monoMix, divisor: divisor, rate: rate,
                          index: Array(UnsafeBufferPointer(start: offsets, count: fill)), indexStep: step)
        self.threads = threads
        self.channels = channels
        let wanted = segmentFrames ?? max(1, (1 << 19) / (samplesPerFrame * channels * 4))
        self.segmentFrames = (wanted + 15) / 16 * 16
        let totalFrames = Int(promptc_mpg123_framelength(h))
        guard totalFrames > 0 else { return nil }
        segmentCount = (totalFrames + self.segmentFrames - 1) / self.segmentFrames
        self.samplesPerFrame = samplesPerFrame
        self.setup = setup
    }

    private let setup: Setup
    private var workers: [WorkerThread] = []

    /// Starts the workers on the first read, not in the constructor: an opened file that
    /// is never read costs no threads. Called with `condition` held.
    private func startWorkers() {
        guard workers.isEmpty, !stopping else { return }
        running = threads
        for worker in 0..<threads {
            workers.append(WorkerThread { [self] in work(first: worker, setup: setup) })
        }
    }

    /// Stops the workers and waits for them (each finishes the segment it is on).
    func shutdown() {
        condition.lock()
        stopping = true
        condition.broadcast()
        while running > 0 { condition.wait() }
        let started = workers
        condition.unlock()
        started.forEach { $0.join() }
    }

    /// Copies up to `frames` frames out, in stream order; 0 at the end of the stream.
    func read(into buffer: UnsafeMutablePointer<Float>, frames: Int) throws -> Int {
        var written = 0
        let want = frames * channels
        while written < want && !ended {
            if current == nil {
                condition.lock()
                startWorkers()
                while finished[consuming] == nil { condition.wait() }
                var next = finished.removeValue(forKey: consuming)!
                condition.unlock()
                if next.start != handedOut + written / channels && next.failure == nil {
                    // Never seen; a guard so a libmpg123 change cannot silently shift audio.
                    next = Segment(start: next.start, isLast: true,
                                   failure: .decoding("segment \(consuming) starts at frame \(next.start), not \(handedOut + written / channels)"))
                }
                current = next
                offset = 0
            }
            // `current` is used in place (no local copy), so that its buffer is uniquely
            // referenced once it goes back to `spare`.
            let n = min(want - written, current!.samples.count - offset)
            if n > 0 {
                current!.samples.withUnsafeBufferPointer { s in
                    (buffer + written).update(from: s.baseAddress! + offset, count: n)
                }
                written += n
                offset += n
            }
            if offset == current!.samples.count {
                if current!.isLast {
                    ended = true
                    pendingFailure = current!.failure
                } else {
                    condition.lock()
                    spare.append(current!.samples)
                    current = nil
                    consuming += 1
                    condition.broadcast()
                    condition.unlock()
                }
            }
        }
        handedOut += written / channels
        if written == 0, let failure = pendingFailure {
            pendingFailure = nil
            throw failure
        }
        return written / channels
    }

    /// One worker: decodes segments first, first + threads, ... until the stream ends,
    /// staying at most threads + 2 segments ahead of the reader.
    private func work(first: Int, setup: Setup) {
        defer {
            condition.lock()
            running -= 1
            condition.broadcast()
            condition.unlock()
        }
        var index = first
        while index < segmentCount {
            condition.lock()
            while !stopping && index - consuming > threads + 1 { condition.wait() }
            let stop = stopping
            condition.unlock()
            if stop { return }
            let segment = decode(index, setup)
            condition.lock()
            finished[index] = segment
            condition.broadcast()
            condition.unlock()
            if segment.isLast { return }
            index += threads
        }
    }

    /// A fresh handle on the file, set up like the main decoder, with the shared frame index.
    private func openHandle(_ setup: Setup) -> (OpaquePointer, Unmanaged<ByteSource>)? {
        guard let bytes = try? setup.input.open(), let h = mpg123_new(nil, nil) else { return nil }
        let box = Unmanaged.passRetained(bytes)
        // Look-ahead frames after a seek: 8 refill any bit reservoir (511 bytes back is
        // at most 6 of the smallest MPEG-1 frames; libmpg123's default fell short on VBR).
        _ = promptc_mpg123_param(h, MPG123_PREFRAMES, 8, 0)
        guard MP3Source.open(h, box, seekable: true, monoMix: setup.monoMix, divisor: setup.divisor),
              setup.index.withUnsafeBufferPointer({
                  promptc_mpg123_set_index(h, $0.baseAddress, setup.indexStep, $0.count) }) == Int32(MPG123_OK.rawValue)
        else {
            mpg123_delete(h); box.release()
            return nil
        }
        return (h, box)
    }

    /// Output position of MPEG frame `frame`, asked of a fresh handle (a handle that has
    /// seeked before can answer a few samples off: measured on MPEG-2).
    private func position(ofFrame frame: Int, _ setup: Setup) -> Int? {
        guard let (h, box) = openHandle(setup) else { return nil }
        defer { mpg123_delete(h); box.release() }
        guard promptc_mpg123_seek_frame(h, off_t(frame), SEEK_SET) == off_t(frame) else { return nil }
        let at = promptc_mpg123_tell(h)
        return at >= 0 ? Int(at) : nil
    }

    /// Decodes segment `index` on a fresh handle: seek to its first frame (none for the
    /// first segment), then read exactly up to the next segment's start (whole frames of
    /// `samplesPerFrame` in between), or to the end.
    private func decode(_ index: Int, _ setup: Setup) -> Segment {
        var segment = Segment()
        let isLast = index == segmentCount - 1
        let firstFrame = index * segmentFrames
        var end: Int?
        if index == 0 && !isLast {
            guard let next = position(ofFrame: segmentFrames, setup) else {
                return Segment(isLast: true, failure: .decoding("cannot find MPEG frame \(segmentFrames)"))
            }
            end = next
        }
        guard let (h, box) = openHandle(setup) else {
            return Segment(isLast: true, failure: .decoding("cannot reopen the file"))
        }
        defer { mpg123_delete(h); box.release() }
        if firstFrame > 0 {
            guard promptc_mpg123_seek_frame(h, off_t(firstFrame), SEEK_SET) == off_t(firstFrame) else {
                return Segment(isLast: true, failure: .decoding("seeking to MPEG frame \(firstFrame) failed: \(String(cString: mpg123_strerror(h)))"))
            }
            segment.start = Int(promptc_mpg123_tell(h))
            if !isLast { end = segment.start + segmentFrames * samplesPerFrame }
        }
        let wanted = end.map { ($0 - segment.start) * channels } ?? Int.max
        condition.lock()
        if let buffer = spare.popLast() { segment.samples = buffer }
        condition.unlock()
        segment.samples.removeAll(keepingCapacity: true)
        if end != nil { segment.samples.reserveCapacity(wanted) }
        segment.isLast = isLast
        let ok = Int32(MPG123_OK.rawValue), newFormat = Int32(MPG123_NEW_FORMAT.rawValue)
        var chunk = [Float](repeating: 0, count: 16384)
        while segment.samples.count < wanted {
            var done = 0
            let want = min(chunk.count, wanted - segment.samples.count)
            let r = chunk.withUnsafeMutableBytes { mpg123_read(h, $0.baseAddress, want * 4, &done) }
            segment.samples.append(contentsOf: chunk[0..<(done / 4)])
            if r == ok { continue }
            if r == newFormat {
                var rate = 0, ch: Int32 = 0, enc: Int32 = 0
                mpg123_getformat(h, &rate, &ch, &enc)
                if rate != setup.rate || Int(ch) != channels {
                    let at = seconds(segment.start + segment.samples.count / channels, setup.rate)
                    segment.isLast = true
                    segment.failure = .formatChange(
                        "the stream changes from \(setup.rate) Hz \(channels) ch to \(rate) Hz \(ch) ch at \(at); split the file first")
                    return segment
                }
                continue
            }
            segment.isLast = true
            if r != Int32(MPG123_DONE.rawValue) && r != Int32(MPG123_NEED_MORE.rawValue) {
                segment.failure = .decoding(String(cString: mpg123_strerror(h)))
            }
            return segment
        }
        return segment
    }
}
