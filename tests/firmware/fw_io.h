/* fw_io: what the test firmware needs from the board: semihosting output
 * and exit, and SysTick as a counter or a periodic interrupt. */
#ifndef FW_IO_H
#define FW_IO_H
#include <stdint.h>

void fw_puts(const char *s);            /* buffered; flushed at each newline */
void fw_putu(uint32_t v);               /* decimal */
void fw_puthex(uint32_t v);             /* 8 hex digits */
void fw_exit(int code);                 /* semihosting exit with a status */

/* SysTick on the processor clock. fw_tick_now reads the down-counter;
 * fw_tick_since gives the ticks elapsed (at most 2^24 - 1). */
void fw_tick_start(void);
uint32_t fw_tick_now(void);
uint32_t fw_tick_since(uint32_t then);
void fw_tick_irq(uint32_t period);      /* interrupt every period ticks; 0 stops */
void fw_tick_handler(void);             /* defined by the application */

#endif
