/*
 * Eager Reliable Broadcast (Cachin-Guerraoui-Rodrigues 2011, Alg. 3.3), the benchmark's
 * reference workload: N = 3 processes, p0 and p1 each broadcast one message, an unordered
 * non-duplicating bag network, no crashes. Written to explore exactly the states that
 * `broadcheck check eager-rb --n 3 -p senders=0,1` explores (1,290,496), so the two checkers
 * can be compared side by side (benches/spin/run.sh).
 *
 * The global state is only what broadcheck's state holds:
 *   dlv[p]      the messages p delivered (bit m = the message of origin m; the delivery log,
 *               kept as a set since no checked property reads the order)
 *   done[p]     whether p broadcast already
 *   net[s,d,m]  how many copies of [DATA, m] from s to d are in flight (a bag: up to 2,
 *               since the origin sends m when it broadcasts and again when it delivers it)
 * One process runs a loop of d_step transitions, so SPIN stores one state per global state
 * (no intermediate states, one program counter). Quiescent states have no enabled
 * transition: run pan with -E (they are not deadlocks here).
 */

#define N 3
byte dlv[N];
bool done[N];
byte net[N * N * N];
#define IDX(s, d, m) (((s) * N + (d)) * N + (m))

/* trigger <beb, Broadcast | [DATA, m]> from p: one copy to every process, p included */
inline bcast(p, m) {
  net[IDX(p, 0, m)]++; net[IDX(p, 1, m)]++; net[IDX(p, 2, m)]++
}

active proctype eager_rb() {
  do
  /* upon <rb, Broadcast | m0> at p0 */
  :: d_step { !done[0] -> done[0] = 1; bcast(0, 0) }
  /* upon <rb, Broadcast | m1> at p1 */
  :: d_step { !done[1] -> done[1] = 1; bcast(1, 1) }
  /* upon <beb, Deliver | s, [DATA, m]> at d: deliver and relay the first time */
  :: d_step { net[IDX(0, 0, 0)] > 0 -> net[IDX(0, 0, 0)]--;
       if :: (dlv[0] & 1) == 0 -> dlv[0] = dlv[0] | 1; bcast(0, 0) :: else -> skip fi }
  :: d_step { net[IDX(0, 0, 1)] > 0 -> net[IDX(0, 0, 1)]--;
       if :: (dlv[0] & 2) == 0 -> dlv[0] = dlv[0] | 2; bcast(0, 1) :: else -> skip fi }
  :: d_step { net[IDX(0, 1, 0)] > 0 -> net[IDX(0, 1, 0)]--;
       if :: (dlv[1] & 1) == 0 -> dlv[1] = dlv[1] | 1; bcast(1, 0) :: else -> skip fi }
  :: d_step { net[IDX(0, 1, 1)] > 0 -> net[IDX(0, 1, 1)]--;
       if :: (dlv[1] & 2) == 0 -> dlv[1] = dlv[1] | 2; bcast(1, 1) :: else -> skip fi }
  :: d_step { net[IDX(0, 2, 0)] > 0 -> net[IDX(0, 2, 0)]--;
       if :: (dlv[2] & 1) == 0 -> dlv[2] = dlv[2] | 1; bcast(2, 0) :: else -> skip fi }
  :: d_step { net[IDX(0, 2, 1)] > 0 -> net[IDX(0, 2, 1)]--;
       if :: (dlv[2] & 2) == 0 -> dlv[2] = dlv[2] | 2; bcast(2, 1) :: else -> skip fi }
  :: d_step { net[IDX(1, 0, 0)] > 0 -> net[IDX(1, 0, 0)]--;
       if :: (dlv[0] & 1) == 0 -> dlv[0] = dlv[0] | 1; bcast(0, 0) :: else -> skip fi }
  :: d_step { net[IDX(1, 0, 1)] > 0 -> net[IDX(1, 0, 1)]--;
       if :: (dlv[0] & 2) == 0 -> dlv[0] = dlv[0] | 2; bcast(0, 1) :: else -> skip fi }
  :: d_step { net[IDX(1, 1, 0)] > 0 -> net[IDX(1, 1, 0)]--;
       if :: (dlv[1] & 1) == 0 -> dlv[1] = dlv[1] | 1; bcast(1, 0) :: else -> skip fi }
  :: d_step { net[IDX(1, 1, 1)] > 0 -> net[IDX(1, 1, 1)]--;
       if :: (dlv[1] & 2) == 0 -> dlv[1] = dlv[1] | 2; bcast(1, 1) :: else -> skip fi }
  :: d_step { net[IDX(1, 2, 0)] > 0 -> net[IDX(1, 2, 0)]--;
       if :: (dlv[2] & 1) == 0 -> dlv[2] = dlv[2] | 1; bcast(2, 0) :: else -> skip fi }
  :: d_step { net[IDX(1, 2, 1)] > 0 -> net[IDX(1, 2, 1)]--;
       if :: (dlv[2] & 2) == 0 -> dlv[2] = dlv[2] | 2; bcast(2, 1) :: else -> skip fi }
  :: d_step { net[IDX(2, 0, 0)] > 0 -> net[IDX(2, 0, 0)]--;
       if :: (dlv[0] & 1) == 0 -> dlv[0] = dlv[0] | 1; bcast(0, 0) :: else -> skip fi }
  :: d_step { net[IDX(2, 0, 1)] > 0 -> net[IDX(2, 0, 1)]--;
       if :: (dlv[0] & 2) == 0 -> dlv[0] = dlv[0] | 2; bcast(0, 1) :: else -> skip fi }
  :: d_step { net[IDX(2, 1, 0)] > 0 -> net[IDX(2, 1, 0)]--;
       if :: (dlv[1] & 1) == 0 -> dlv[1] = dlv[1] | 1; bcast(1, 0) :: else -> skip fi }
  :: d_step { net[IDX(2, 1, 1)] > 0 -> net[IDX(2, 1, 1)]--;
       if :: (dlv[1] & 2) == 0 -> dlv[1] = dlv[1] | 2; bcast(1, 1) :: else -> skip fi }
  :: d_step { net[IDX(2, 2, 0)] > 0 -> net[IDX(2, 2, 0)]--;
       if :: (dlv[2] & 1) == 0 -> dlv[2] = dlv[2] | 1; bcast(2, 0) :: else -> skip fi }
  :: d_step { net[IDX(2, 2, 1)] > 0 -> net[IDX(2, 2, 1)]--;
       if :: (dlv[2] & 2) == 0 -> dlv[2] = dlv[2] | 2; bcast(2, 1) :: else -> skip fi }
  od
}
