/* y4m.h — read and write YUV4MPEG2 streams (the raw video format of `ffmpeg -f
 * yuv4mpegpipe`), from/to a file or a pipe, one frame at a time.
 *
 * A stream is one header line, then frames, each "FRAME[ params]\n" + the planes:
 *   YUV4MPEG2 W<width> H<height> F<num>:<den> I<p|t|b|m> A<num>:<den> C<colour> X<tag> ...\n
 * Accepted here: 8-bit samples, progressive (I p or absent), C = 420jpeg, 420mpeg2,
 * 420paldv, 420 (4:2:0, chroma planes ceil(W/2) x ceil(H/2)), 422 (ceil(W/2) x H), 444,
 * mono (luma only); C absent means 420jpeg, F absent 25:1, A absent 0:0 (unknown).
 * XCOLORRANGE=FULL|LIMITED (what ffmpeg writes) is kept; other X tags are ignored.
 * Sizes are checked against BD_Y4M_MAX_DIM / BD_Y4M_MAX_PIXELS before anything is
 * allocated. Every error is one line naming the input and where ("header" or "frame N",
 * counting from 1).
 *
 * A file output is written to PATH.tmp.XXXXXX in the same directory and renamed over PATH
 * by bd_y4m_writer_finish; bd_y4m_writer_abort, a write error or a fatal signal (INT, TERM,
 * HUP, PIPE; handlers installed by the first file writer) remove it. Each frame is flushed
 * as soon as it is written, so a live pipe sees it at once.
 */
#ifndef BACKDROP_IO_Y4M_H
#define BACKDROP_IO_Y4M_H

#include <stddef.h>
#include <stdint.h>

#ifndef BD_Y4M_MAX_DIM
#define BD_Y4M_MAX_DIM 16384
#endif
#ifndef BD_Y4M_MAX_PIXELS
#define BD_Y4M_MAX_PIXELS (8192LL * 8192)
#endif

typedef enum {
    BD_Y4M_420JPEG,    /* 4:2:0, chroma centred between the luma samples (JPEG/MPEG-1) */
    BD_Y4M_420MPEG2,   /* 4:2:0, chroma co-sited with the left luma column, vertically centred */
    BD_Y4M_420PALDV,   /* 4:2:0 as DV PAL writes it (read with the 420mpeg2 siting) */
    BD_Y4M_420,        /* 4:2:0, siting unspecified (treated as 420jpeg) */
    BD_Y4M_422,        /* 4:2:2, chroma co-sited with the left luma column */
    BD_Y4M_444,
    BD_Y4M_MONO,       /* luma only */
} bd_y4m_chroma;

typedef enum { BD_Y4M_RANGE_UNSET, BD_Y4M_RANGE_LIMITED, BD_Y4M_RANGE_FULL } bd_y4m_range;

typedef struct bd_y4m_info {
    int w, h;
    int fps_num, fps_den;        /* frame rate, both > 0 */
    int sar_num, sar_den;        /* pixel aspect ratio, 0:0 = unknown */
    bd_y4m_chroma chroma;
    bd_y4m_range range;          /* from XCOLORRANGE; UNSET: not in the header */
} bd_y4m_info;

/* The C tag of a chroma layout ("420jpeg", ..., "mono"). */
const char *bd_y4m_chroma_name(bd_y4m_chroma c);
/* Chroma plane size for this layout (0 x 0 for mono). */
void bd_y4m_chroma_size(const bd_y4m_info *info, int *cw, int *ch);
/* Bytes of one frame's planes: Y (w x h), then Cb and Cr (cw x ch each). */
size_t bd_y4m_frame_bytes(const bd_y4m_info *info);

/* Parses a header line (without its '\n'). name is used in messages. Returns 0 or -1. */
int bd_y4m_parse_header(const char *line, const char *name, bd_y4m_info *info, char *err,
                        size_t errlen);
/* Formats the header line of info (with its '\n') into buf; returns its length, or -1 if
 * buf is too small. */
int bd_y4m_format_header(const bd_y4m_info *info, char *buf, size_t len);

typedef struct bd_y4m_reader bd_y4m_reader;

/* Opens path ("-" = standard input) and reads its header. NULL with a message on error. */
bd_y4m_reader *bd_y4m_open(const char *path, bd_y4m_info *info, char *err, size_t errlen);
/* Reads the next frame's planes into buf (bd_y4m_frame_bytes). Returns 1 with a frame, 0 at
 * the end of a stream that held at least one frame, -1 with a message on a bad or
 * truncated frame or an empty stream. */
int bd_y4m_read_frame(bd_y4m_reader *r, uint8_t *buf, char *err, size_t errlen);
/* Frames read so far. */
long bd_y4m_frames_read(const bd_y4m_reader *r);
/* Goes back to the first frame (for looping a background); -1 if the input cannot seek
 * (a pipe). */
int bd_y4m_rewind(bd_y4m_reader *r, char *err, size_t errlen);
void bd_y4m_close(bd_y4m_reader *r);

typedef struct bd_y4m_writer bd_y4m_writer;

/* Creates path ("-" = standard output) and writes the header of info. */
bd_y4m_writer *bd_y4m_create(const char *path, const bd_y4m_info *info, char *err,
                             size_t errlen);
/* Writes one frame (bd_y4m_frame_bytes of planes) and flushes it. */
int bd_y4m_write_frame(bd_y4m_writer *w, const uint8_t *planes, char *err, size_t errlen);
/* Closes; a file is renamed into place. Returns 0, or -1 (the temporary file is removed).
 * Frees w either way. */
int bd_y4m_writer_finish(bd_y4m_writer *w, char *err, size_t errlen);
/* Closes and removes a file output's temporary file. Frees w. */
void bd_y4m_writer_abort(bd_y4m_writer *w);

#endif
