#!/usr/bin/env bash
# Fixtures for Asterisk's codec formats (GSM, G.722, G.729), made from the committed speech
# fixtures with independent tools, plus a few of Debian's stock prompts. Called by
# generate.sh; runs alone too. Development time only: needs sox, ffmpeg, Debian's
# asterisk-core-sounds-en-{wav,gsm,g722} and fr-{wav,gsm,g722}, and a built promptc for the one
# thing no other Debian tool makes (a G.729 encoding).
set -euo pipefail
cd "$(dirname "$0")"
export LC_ALL=C
promptc=${PROMPTC:-../.build/release/promptc}
mkdir -p codecs stock

# GSM 06.10: sox codes and decodes with libgsm (as Asterisk does).
sox speech/speech-8k-mono.wav -t gsm codecs/speech-8k.sox.gsm
sox -t gsm codecs/speech-8k.sox.gsm -t raw -e signed -b 16 codecs/speech-8k.sox.gsm.s16
# G.722: ffmpeg's encoder and decoder (adpcm_g722), an implementation independent of spandsp.
ffmpeg -loglevel error -y -i speech/speech-16k-mono.wav -acodec g722 -f g722 codecs/speech-16k.ffmpeg.g722
ffmpeg -loglevel error -y -f g722 -i codecs/speech-16k.ffmpeg.g722 -f s16le codecs/speech-16k.ffmpeg.g722.s16
# G.729: no Debian tool but bcg729 encodes it, so promptc's own encoding is kept, with
# ffmpeg's decode of it (ffmpeg's G.729 decoder is its own code).
"$promptc" convert speech/speech-8k-mono.wav -o codecs/speech-8k.promptc.g729 --overwrite
ffmpeg -loglevel error -y -f g729 -i codecs/speech-8k.promptc.g729 -f s16le codecs/speech-8k.promptc.g729.ffmpeg.s16

# Stock prompts (CC BY-SA 3.0, see stock/ATTRIBUTION.md) in every format Debian ships them,
# with the independent decodes of the coded ones.
sounds=/usr/share/asterisk/sounds
for p in en_US_f_Allison/auth-thankyou en_US_f_Allison/digits/5 en_US_f_Allison/vm-goodbye fr_CA_f_June/activated; do
  lang=${p%%_*}; name=$lang-$(basename "$p")
  for ext in wav gsm g722; do cp "$sounds/$p.$ext" "stock/$name.$ext"; done
  sox -t gsm "stock/$name.gsm" -t raw -e signed -b 16 "stock/$name.gsm.sox.s16"
  ffmpeg -loglevel error -y -f g722 -i "stock/$name.g722" -f s16le "stock/$name.g722.ffmpeg.s16"
done

# Prompts that are silent or empty on purpose (Asterisk's pauses, and ru/is: Russian has no
# word for "is"), and prompts whose G.711 law is hard to tell (tones, short letters), for
# doctor and the wrong-law check. it-*: CC BY 3.0 (Carlo Flora), ru-*: CC BY 3.0 (Maxim Topal).
for ext in wav gsm g722; do
  cp "$sounds/en_US_f_Allison/silence/1.$ext" "stock/en-silence-1.$ext"
  cp "$sounds/ru_RU_f_IvrvoiceRU/is.$ext" "stock/ru-is.$ext"
done
cp "$sounds/it_IT_m_Carlo/letters/m.wav" stock/it-letters-m.wav
cp "$sounds/it_IT_m_Carlo/vm-and.wav" stock/it-vm-and.wav
cp "$sounds/it_IT_m_Carlo/digits/5.wav" stock/it-digits-5.wav
cp "$sounds/ru_RU_f_IvrvoiceRU/letters/ascii62.wav" stock/ru-letters-ascii62.wav
cp "$sounds/ru_RU_f_IvrvoiceRU/ascending-2tone.wav" stock/ru-ascending-2tone.wav

# Integrated loudness (ITU-R BS.1770), loudness range (EBU Tech 3342) and true peak by
# ffmpeg's ebur128 filter, independent of libebur128, for the loudness meter's test:
# "FILE I LRA TP" per line (ffmpeg prints 0.1 steps).
for f in stock/en-5.wav stock/en-auth-thankyou.wav stock/en-vm-goodbye.wav stock/fr-activated.wav stock/it-vm-and.wav \
         speech/speech-44k-stereo.wav speech/speech-16k-mono.wav speech/speech-8k-mono.wav formats/speech-48k-24bit.wav; do
  summary=$(ffmpeg -nostdin -hide_banner -nostats -i "$f" -af ebur128=peak=true -f null - 2>&1 | sed -n '/Summary/,$p')
  i=$(echo "$summary" | awk '$1 == "I:" {print $2}')
  lra=$(echo "$summary" | awk '$1 == "LRA:" {print $2}')
  tp=$(echo "$summary" | awk '$1 == "Peak:" {print $2}')
  printf '%s %s %s %s\n' "$f" "$i" "$lra" "$tp"
done > reference/loudness-ffmpeg.txt
