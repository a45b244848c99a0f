#!/usr/bin/env bash
# Renders the default prompts with the system espeak-ng (Debian: espeak-ng, sox) as
# 8 kHz mono 16-bit WAV. Recorded human prompts with the same names replace them.
set -euo pipefail
cd "$(dirname "$0")"
render() { # lang voice name text
    mkdir -p "$1"
    espeak-ng -v "$2" -s 135 -w "/tmp/prompt-$$.wav" "$4"
    sox "/tmp/prompt-$$.wav" -r 8000 -c 1 -b 16 "$1/$3.wav" norm -3
    rm -f "/tmp/prompt-$$.wav"
}
render nl nl intro "Dit is een bericht van uw buurtinformatienetwerk."
render nl nl menu "Druk op 1 om te bevestigen dat u het bericht hebt gehoord. Druk op 2 om het opnieuw te horen."
render nl nl thanks "Dank u wel. Tot ziens."
render fr fr-be intro "Ceci est un message de votre réseau d'information de quartier."
render fr fr-be menu "Appuyez sur 1 pour confirmer que vous avez entendu le message. Appuyez sur 2 pour le réécouter."
render fr fr-be thanks "Merci. Au revoir."
render de de intro "Dies ist eine Nachricht Ihres Nachbarschaftsinformationsnetzwerks."
render de de menu "Drücken Sie 1, um zu bestätigen, dass Sie die Nachricht gehört haben. Drücken Sie 2, um sie erneut zu hören."
render de de thanks "Vielen Dank. Auf Wiederhören."
render en en-gb intro "This is a message from your neighbourhood information network."
render en en-gb menu "Press 1 to confirm that you have heard this message. Press 2 to hear it again."
render en en-gb thanks "Thank you. Goodbye."
