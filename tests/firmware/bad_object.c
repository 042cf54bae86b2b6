/* bad_object: what check_object.sh must reject, one fault per macro
 * (BAD_MALLOC, BAD_PRINTF, BAD_LIBM, BAD_DATA, BAD_BSS, BAD_DOUBLE); with
 * none it must pass. fw-cross builds each for the M4F and checks the
 * checker. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>

static const float w[4] = {0.5f, -1.0f, 2.0f, 0.25f};
#ifdef BAD_DATA
float state = 1.0f;
#endif
#ifdef BAD_BSS
static float acc;
#endif

float bad(float x)
{
    float y = x * w[(int)x & 3];
#ifdef BAD_MALLOC
    float *p = malloc(sizeof *p);
    if (p) *p = y, y = *p, free(p);
#endif
#ifdef BAD_PRINTF
    printf("%f\n", (double)y);
#endif
#ifdef BAD_DOUBLE
    y = (float)((double)y * 1.000001); /* soft-float double on the M4F */
#endif
#ifdef BAD_LIBM
    y = expf(y);
#endif
#ifdef BAD_DATA
    state += y;
    y = state;
#endif
#ifdef BAD_BSS
    acc += y;
    y = acc;
#endif
    return y;
}
