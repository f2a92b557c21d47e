#if canImport(Glibc)
import Glibc
#endif

/// The scheduling priority of single threads (Linux's per-thread nice value).
///
/// A pipeline whose stages share few cores with its bulk work runs fastest when the stage on its critical path
/// (decoding a file, say) always gets a core the moment it has work, and the bulk work (the network's chunks) fills
/// what is left: lowering the bulk threads' priority does that, with no value changed.
public enum ThreadPriority {
    /// Lowers the calling thread's scheduling priority by `steps` nice levels (at most to 19), for the rest of its
    /// life: an unprivileged thread cannot raise it again, so call it only on a thread made for the purpose, never
    /// on a pooled one (Dispatch's). Does nothing where threads have no nice value of their own (off Linux).
    public static func lowerCurrentThread(by steps: Int32) {
        #if os(Linux)
        // `who` 0 is the calling thread: Linux keeps the nice value per thread (NPTL), not per process.
        let tid: id_t = 0
        let which = __priority_which_t(PRIO_PROCESS.rawValue)
        errno = 0
        let now = getpriority(which, tid)
        guard errno == 0 else { return }
        _ = setpriority(which, tid, min(19, now + max(0, steps)))
        #endif
    }

    /// The calling thread's nice value (0 off Linux).
    public static var currentNice: Int32 {
        #if os(Linux)
        return getpriority(__priority_which_t(PRIO_PROCESS.rawValue), 0)
        #else
        return 0
        #endif
    }
}
