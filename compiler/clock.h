/* clock: wall time for the figures dgc prints (compile and eval times). */
#ifndef DGC_CLOCK_H
#define DGC_CLOCK_H

/* Milliseconds on the monotonic clock, from an arbitrary origin. */
double clk_ms(void);

#endif
