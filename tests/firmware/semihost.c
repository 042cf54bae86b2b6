/* semihost: console output and exit through ARM semihosting (BKPT 0xAB),
 * which qemu serves with -semihosting-config enable=on. */
#include "fw_io.h"

enum { SYS_WRITE0 = 0x04, SYS_EXIT_EXTENDED = 0x20, ADP_APPLICATION_EXIT = 0x20026 };

static int semi(int op, const void *arg)
{
    register int r0 __asm__("r0") = op;
    register const void *r1 __asm__("r1") = arg;
    __asm__ volatile("bkpt 0xab" : "+r"(r0) : "r"(r1) : "memory");
    return r0;
}

/* One semihosting call per line, not per character: each call traps. */
static char line[256];
static unsigned used;

static void flush(void)
{
    line[used] = 0;
    if (used) semi(SYS_WRITE0, line);
    used = 0;
}

void fw_puts(const char *s)
{
    for (; *s; s++) {
        line[used++] = *s;
        if (*s == '\n' || used == sizeof line - 1) flush();
    }
}

void fw_putu(uint32_t v)
{
    char b[12];
    int i = 11;
    b[i] = 0;
    do b[--i] = (char)('0' + v % 10); while ((v /= 10) != 0);
    fw_puts(b + i);
}

void fw_puthex(uint32_t v)
{
    char b[9];
    for (int i = 7; i >= 0; i--, v >>= 4) b[i] = "0123456789abcdef"[v & 15];
    b[8] = 0;
    fw_puts(b);
}

void fw_exit(int code)
{
    /* SYS_EXIT_EXTENDED carries the status on 32-bit targets too. */
    uint32_t block[2] = {ADP_APPLICATION_EXIT, (uint32_t)code};
    flush();
    semi(SYS_EXIT_EXTENDED, block);
    for (;;) {
    }
}
