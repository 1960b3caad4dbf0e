import AudioIO
import DSP
import Threads
import FoundationEssentials

/// Where the executor gets its blocks from: the decoder and the front stages, run on a
/// read-ahead thread or in line.
protocol BlockProducer: AnyObject {
    /// The next block of the front chain's output with the input frames it came from (0
    /// for the drained tail), or nil at the end. A decoder error is thrown after the blocks
    /// decoded before it.
    func next() throws -> (samples: [Float], frames: Int)?
    /// Returns a block once the consumer is done with it.
    func recycle(_ block: [Float])
    /// Stops the producer and waits until its thread, if any, has ended.
    func cancel()
}

/// Decodes on its own thread ahead of the DSP, and runs the front stages there too,
/// handing over finished blocks through a fixed pool: the decoder and the resampler then
/// run on two cores at once, and memory stays at `depth` blocks whatever the input's
/// length. The thread starts on the first `next()`, and `cancel()` joins it.
final class ReadAhead: BlockProducer, @unchecked Sendable {
    // Sendable by hand: the decoder thread owns `source`, `front` and `interleaved`;
    // everything else is read and written under `condition` only.
    private let source: AudioSource
    private let front: StageChain
    private let blockFrames: Int
    private var interleaved: [Float]
    private let condition = Condition()
    private var filled: [(samples: [Float], frames: Int)] = []
    private var pool: [[Float]]
    private var started = false
    private var finished = false
    private var cancelled = false
    private var running = false
    private var failure: Error?
    private var thread: WorkerThread?

    init(source: AudioSource, front: StageChain, blockFrames: Int, depth: Int = 4) {
        self.source = source
        self.front = front
        self.blockFrames = blockFrames
        interleaved = [Float](repeating: 0, count: blockFrames * source.channels)
        pool = Array(repeating: [], count: depth)
    }

    private func startIfNeeded() {
        // Called with `condition` held.
        guard !started else { return }
        started = true
        running = true
        thread = WorkerThread { [self] in
            produce()
            condition.lock()
            running = false
            condition.broadcast()
            condition.unlock()
        }
    }

    private func produce() {
        while true {
            condition.lock()
            while pool.isEmpty && !cancelled { condition.wait() }
            if cancelled { condition.unlock(); return }
            var block = pool.removeLast()
            condition.unlock()
            do {
                let n = try interleaved.withUnsafeMutableBufferPointer { try source.read(into: $0.baseAddress!, frames: blockFrames) }
                block.removeAll(keepingCapacity: true)
                if n == 0 {
                    front.drain(into: &block)
                } else {
                    let count = n * source.channels
                    interleaved.withUnsafeBufferPointer { front.process(UnsafeBufferPointer(rebasing: $0[0..<count]), into: &block) }
                }
                condition.lock()
                filled.append((block, n))
                if n == 0 { finished = true }
                condition.broadcast()
                condition.unlock()
                if n == 0 { return }
            } catch {
                condition.lock()
                failure = error
                finished = true
                condition.broadcast()
                condition.unlock()
                return
            }
        }
    }

    func next() throws -> (samples: [Float], frames: Int)? {
        condition.lock()
        defer { condition.unlock() }
        startIfNeeded()
        while filled.isEmpty && !finished { condition.wait() }
        if !filled.isEmpty { return filled.removeFirst() }
        if let e = failure { throw e }
        return nil
    }

    func recycle(_ block: [Float]) {
        condition.lock()
        pool.append(block)
        condition.broadcast()
        condition.unlock()
    }

    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        while running { condition.wait() }
        let t = thread
        thread = nil
        condition.unlock()
        t?.join()
    }
}

/// Decodes and runs the front chain on the caller's thread (batch workers, where the
/// parallelism comes from converting several files at once).
final class InlineBlocks: BlockProducer {
    private let source: AudioSource
    private let front: StageChain
    private let blockFrames: Int
    private var interleaved: [Float]
    private var spare: [Float] = []
    private var done = false

    init(source: AudioSource, front: StageChain, blockFrames: Int) {
        self.source = source
        self.front = front
        self.blockFrames = blockFrames
        interleaved = [Float](repeating: 0, count: blockFrames * source.channels)
    }

    func next() throws -> (samples: [Float], frames: Int)? {
        if done { return nil }
        var block = spare
        block.removeAll(keepingCapacity: true)
        let n = try interleaved.withUnsafeMutableBufferPointer { try source.read(into: $0.baseAddress!, frames: blockFrames) }
        if n == 0 {
            done = true
            front.drain(into: &block)
        } else {
            let count = n * source.channels
            interleaved.withUnsafeBufferPointer { front.process(UnsafeBufferPointer(rebasing: $0[0..<count]), into: &block) }
        }
        return (block, n)
    }

    func recycle(_ block: [Float]) { spare = block }
    func cancel() {}
}
